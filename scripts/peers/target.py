"""A 1 GiB Python process that counts its own memory operations.

It touches 1 GiB of anonymous memory, then maps and unmaps 64 KiB regions in a loop (each one
takes its memory lock, as a monitor's page-table walk does) and writes its running count and
the monotonic time to COUNT_FILE twice a second. Run by scripts/compare-peers.
"""
import mmap
import os
import sys
import time

count_file = sys.argv[1]
size_mib = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
hold = bytearray(b"\x01") * (size_mib << 20)
count = 0
next_report = 0.0
while True:
    for _ in range(200):
        m = mmap.mmap(-1, 64 << 10)
        m[0] = 1
        m.close()
    count += 200
    now = time.monotonic()
    if now >= next_report:
        tmp = count_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{now} {count}\n")
        os.replace(tmp, count_file)
        next_report = now + 0.5
