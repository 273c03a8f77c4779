/* Eight worker threads that each forget to free: every 10 ms each keeps 2 KiB from malloc.
 * glibc gives each thread its own arena (a 64 MiB-aligned heap outside [heap]), so the growth
 * shows in malloc_arenas, not in brk_heap. Capping arenas (MALLOC_ARENA_MAX=1) moves it back
 * to the main heap.
 * Build and watch:
 *   cc -O2 -pthread -o arena_threads examples/c/arena_threads.c
 *   memtop record -o arenas.csv -- ./arena_threads && memtop analyze arenas.csv */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { WORKERS = 8, KEPT = 2048 };

static void *worker(void *arg) {
  struct timespec pause = {0, 10 * 1000 * 1000};
  unsigned long id = (unsigned long)arg;
  for (unsigned long request = 0;; request++) {
    char *scratch = malloc(16 * 1024); /* temporary, freed at once */
    memset(scratch, (int)(request + id), 16 * 1024);
    free(scratch);
    char *kept = malloc(KEPT); /* the leak */
    memset(kept, 1, KEPT);
    nanosleep(&pause, NULL);
  }
  return NULL;
}

int main(void) {
  printf("arena_threads: %d threads, each keeping %d bytes every 10 ms\n", WORKERS, KEPT);
  fflush(stdout);
  pthread_t threads[WORKERS];
  for (unsigned long i = 0; i < WORKERS; i++) {
    if (pthread_create(&threads[i], NULL, worker, (void *)i) != 0) {
      perror("pthread_create");
      return 1;
    }
  }
  for (int i = 0; i < WORKERS; i++) pthread_join(threads[i], NULL);
  return 0;
}
