"""A shared-memory segment in /dev/shm that keeps filling.

The program creates a POSIX shared-memory segment (a file in /dev/shm), maps it and fills
256 KiB more of it every 0.1 s: memory grows in shmem. Such a segment is not freed when the
process ends unless it is unlinked; this one is unlinked at once (the mapping keeps it alive
while the program runs, and nothing is left behind).

    memtop record -o shm.csv -- python3 examples/python/shm_segment.py
    memtop analyze shm.csv
"""

import mmap
import os
import time

SIZE = 512 * 1024 * 1024
CHUNK = 256 * 1024


def main():
    path = f"/dev/shm/memtop-example-{os.getpid()}"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    os.unlink(path)
    os.ftruncate(fd, SIZE)
    segment = mmap.mmap(fd, SIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    print(f"shm_segment: filling {CHUNK // 1024} KiB of a /dev/shm segment every 0.1 s", flush=True)
    chunk = bytes(range(256)) * (CHUNK // 256)
    offset = 0
    while True:
        if offset + CHUNK <= SIZE:
            segment[offset : offset + CHUNK] = chunk
            offset += CHUNK
        time.sleep(0.1)


if __name__ == "__main__":
    main()
