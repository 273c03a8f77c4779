"""A leak in native code: a C library's malloc on the main thread, never freed.

Python's own tools (tracemalloc, gc) do not see it: the blocks come straight from libc's malloc
through ctypes. 4 KiB blocks are below glibc's mmap threshold, so the main thread's malloc takes
them from the brk heap ([heap]): memory grows in brk_heap.

    memtop record -o native.csv -- python3 examples/python/native_malloc_leak.py
    memtop analyze native.csv
"""

import ctypes
import ctypes.util
import time

libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.memset.restype = ctypes.c_void_p
libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]

BLOCK = 4096


def main():
    print("native_malloc_leak: 50 blocks of 4 KiB from libc malloc every 0.1 s", flush=True)
    while True:
        for _ in range(50):
            block = libc.malloc(BLOCK)  # never freed: the leak
            libc.memset(block, 1, BLOCK)
        time.sleep(0.1)


if __name__ == "__main__":
    main()
