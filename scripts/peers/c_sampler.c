/* The floor a sampler can reach: read /proc/PID/status from a descriptor kept open, take the
 * same fields memtop's every-tick tier takes, write one CSV row, sleep to the next tick of a
 * drift-free schedule with clock_nanosleep. No allocation, no formatting library beyond stdio.
 *
 * Usage: c_sampler PID INTERVAL_S DURATION_S OUTPUT.csv
 * Built and run by scripts/compare-peers. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static unsigned long long field(const char *text, const char *key) {
  const char *p = strstr(text, key);
  return p ? strtoull(p + strlen(key), NULL, 10) * 1024ULL : 0;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: c_sampler PID INTERVAL_S DURATION_S OUTPUT.csv\n");
    return 64;
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/%s/status", argv[1]);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  FILE *out = fopen(argv[4], "w");
  if (fd < 0 || !out) {
    perror("c_sampler");
    return 1;
  }
  double interval = atof(argv[2]), duration = atof(argv[3]);
  long long step = (long long)(interval * 1e9);
  struct timespec start, next, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  next = start;
  time_t last_flush = start.tv_sec;
  char buf[8192];
  fprintf(out, "elapsed_s,rss_bytes,anon_bytes,file_bytes,shmem_bytes,swap_bytes,peak_rss_bytes\n");
  for (;;) {
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) break;
    buf[n] = 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double elapsed = (now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9;
    fprintf(out, "%.3f,%llu,%llu,%llu,%llu,%llu,%llu\n", elapsed, field(buf, "VmRSS:"), field(buf, "RssAnon:"),
            field(buf, "RssFile:"), field(buf, "RssShmem:"), field(buf, "VmSwap:"), field(buf, "VmHWM:"));
    if (now.tv_sec != last_flush) {
      fflush(out);
      last_flush = now.tv_sec;
    }
    if (elapsed >= duration) break;
    long long ns = next.tv_nsec + step;
    next.tv_sec += ns / 1000000000LL;
    next.tv_nsec = ns % 1000000000LL;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) != 0) {}
  }
  fclose(out);
  return 0;
}
