// glibc's heap statistics (mallinfo2), for the benchmarks' measures of heap bytes in use.
#include <malloc.h>
