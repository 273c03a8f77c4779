/* One process of the synthetic host: `child MODE ARG...`, memory only, no output.
 *   leak RATE_KB_PER_MIN              grows for ever, one touched chunk a second
 *   idle KB                           holds KB, flat
 *   warmup KB SECONDS                 grows to KB over SECONDS, then flat
 *   cache KB                          a bounded cache: random fills and evictions below KB
 *   sawtooth KB PERIOD                a GC-like sawtooth: fills KB over PERIOD s, releases it
 *   step KB AT                        flat, one step of KB after AT seconds
 * Chunks that must be given back are mmap'd and munmap'd, so RSS really drops. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void *touched(size_t bytes) {
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) _exit(1);
  memset(p, 1, bytes);
  return p;
}

int main(int argc, char **argv) {
  if (argc < 3) return 64;
  const char *mode = argv[1];
  long kb = atol(argv[2]);
  long arg = argc > 3 ? atol(argv[3]) : 0;
  srand((unsigned)getpid());
  if (!strcmp(mode, "leak")) {
    size_t per_second = (size_t)kb * 1024 / 60;
    for (;;) { touched(per_second); sleep(1); }
  } else if (!strcmp(mode, "idle")) {
    touched((size_t)kb * 1024);
    for (;;) pause();
  } else if (!strcmp(mode, "warmup")) {
    size_t per_second = (size_t)kb * 1024 / (size_t)(arg > 0 ? arg : 1);
    for (long s = 0; s < arg; s++) { touched(per_second); sleep(1); }
    for (;;) pause();
  } else if (!strcmp(mode, "cache")) {
    enum { slots = 64 };
    void *slot[slots] = {0};
    size_t each = (size_t)kb * 1024 / slots;
    for (;;) {
      int i = rand() % slots;
      if (slot[i]) { munmap(slot[i], each); slot[i] = NULL; } else { slot[i] = touched(each); }
      usleep(200000);
    }
  } else if (!strcmp(mode, "sawtooth")) {
    long period = arg > 0 ? arg : 20;
    size_t per_second = (size_t)kb * 1024 / (size_t)period;
    void *held[4096];
    for (;;) {
      for (long s = 0; s < period && s < 4096; s++) { held[s] = touched(per_second); sleep(1); }
      for (long s = 0; s < period && s < 4096; s++) munmap(held[s], per_second);
      sleep(1);
    }
  } else if (!strcmp(mode, "step")) {
    touched(512 * 1024);
    sleep((unsigned)arg);
    touched((size_t)kb * 1024);
    for (;;) pause();
  }
  return 64;
}
