"""A memory-mapped data file that keeps growing: page cache, not a heap leak.

The program maps a data file (512 MiB reserved, sparse) and writes 256 KiB more of it every
0.1 s through the mapping. The written pages stay resident as file-backed memory: RSS grows,
but in `file`, which the kernel can write back and reclaim under pressure.

    memtop record -o mapped.csv -- python3 examples/python/mapped_file.py [data.bin]
    memtop analyze mapped.csv

The data file is removed on exit (SIGTERM or Ctrl-C).
"""

import mmap
import os
import signal
import sys
import time

SIZE = 512 * 1024 * 1024
CHUNK = 256 * 1024


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "data.bin"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)

    def stop(signum, frame):
        os.unlink(path)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    os.ftruncate(fd, SIZE)
    data = mmap.mmap(fd, SIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    print(f"mapped_file: writing {CHUNK // 1024} KiB of {path} every 0.1 s", flush=True)
    chunk = bytes(range(256)) * (CHUNK // 256)
    offset = 0
    while True:
        if offset + CHUNK <= SIZE:
            data[offset : offset + CHUNK] = chunk
            offset += CHUNK
        time.sleep(0.1)


if __name__ == "__main__":
    main()
