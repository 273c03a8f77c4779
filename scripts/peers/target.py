"""A Python process for scripts/compare-peers to watch, in one of three shapes.

    target.py COUNT_FILE SIZE_MIB [steady|changing|churn]

steady (the default): holds SIZE_MIB of touched memory and serves "requests" every 10 ms (a
64 KiB buffer made and freed): its sizes do not move. changing: the same, plus 4 MiB a second
kept for 10 s and then freed, again and again: its sizes move all the time. churn: maps and
unmaps 64 KiB regions in a tight loop (each takes the memory lock, as a monitor's page-table
walk does), so its rate shows what a monitor's walks cost it.

It writes its running count of operations and the monotonic time to COUNT_FILE twice a second.
"""
import mmap
import os
import sys
import time

count_file = sys.argv[1]
size_mib = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
shape = sys.argv[3] if len(sys.argv) > 3 else "steady"
hold = bytearray(b"\x01") * (size_mib << 20)
count = 0
next_report = 0.0
kept = []
cycle_start = time.monotonic()


def report(now):
    tmp = count_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(f"{now} {count}\n")
    os.replace(tmp, count_file)


while True:
    if shape == "churn":
        for _ in range(200):
            m = mmap.mmap(-1, 64 << 10)
            m[0] = 1
            m.close()
        count += 200
    else:
        scratch = bytearray(64 << 10)
        count += 1 + scratch[0]
        if shape == "changing":
            # 40 KiB every 10 ms: about 4 MiB a second, freed every 10 s.
            kept.append(bytearray(b"\x02") * (40 << 10))
            if time.monotonic() - cycle_start >= 10:
                kept.clear()
                cycle_start = time.monotonic()
        time.sleep(0.01)
    now = time.monotonic()
    if now >= next_report:
        report(now)
        next_report = now + 0.5
