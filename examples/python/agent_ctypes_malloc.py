"""A leak outside Python objects: C memory from malloc (through ctypes), never freed and
touched so it is resident. tracemalloc does not see it; memtop's verdict is leak while the
Python agent's traced memory stays flat.

    memtop record --python --trace-lines -o native.csv -- python3 examples/python/agent_ctypes_malloc.py
    memtop analyze native.csv
"""

import ctypes
import ctypes.util
import sys
import time

libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 600.0
    chunk = 256 * 1024  # above the mmap threshold: each block is its own mapping
    end = time.monotonic() + seconds
    leaked = 0
    while time.monotonic() < end:
        block = libc.malloc(chunk)
        if block:
            libc.memset(block, 1, chunk)
            leaked += chunk
        time.sleep(0.05)  # about 5 MiB/s
    print("leaked", leaked, "bytes of C memory", flush=True)


if __name__ == "__main__":
    main()
