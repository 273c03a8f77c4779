/* A C service that forgets to free: every request allocates 48 KiB that is never released.
 * Build and watch:  cc -O2 -o leak examples/c/leak.c && memtop record -o leak.csv -- ./leak */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(void) {
  struct timespec pause = {0, 20 * 1000 * 1000};
  puts("leak: 48 KiB per request, never freed");
  fflush(stdout);
  for (unsigned long request = 0;; request++) {
    char *scratch = malloc(256 * 1024); /* temporary, freed at once */
    memset(scratch, (int)request, 256 * 1024);
    free(scratch);
    char *kept = malloc(48 * 1024); /* the leak */
    memset(kept, 1, 48 * 1024);
    nanosleep(&pause, NULL);
  }
}
