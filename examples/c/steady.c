/* A C service with a fixed working set: it allocates and frees per request, so memory holds.
 * Build and watch:  cc -O2 -o steady examples/c/steady.c && memtop record -o s.csv -- ./steady */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { SLOTS = 256, SLOT_BYTES = 64 * 1024 };

int main(void) {
  static char *slots[SLOTS];
  struct timespec pause = {0, 5 * 1000 * 1000};
  puts("steady: a 16 MiB working set, reused");
  fflush(stdout);
  for (unsigned long request = 0;; request++) {
    unsigned slot = (unsigned)(request * 2654435761u) % SLOTS;
    free(slots[slot]);
    slots[slot] = malloc(SLOT_BYTES);
    memset(slots[slot], (int)request, SLOT_BYTES);
    nanosleep(&pause, NULL);
  }
}
