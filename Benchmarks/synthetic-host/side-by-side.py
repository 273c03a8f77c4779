#!/usr/bin/env python3
"""The synthetic host of run.py (same plan and seed), watched by several `memtop serve` binaries
at once and nothing else (no Prometheus): prints each one's share of one core and resident size
every PERIOD seconds, and its share over the whole run so far, so two builds are compared on the
same processes at the same time.

  cc -O2 -o /tmp/radar-child Benchmarks/synthetic-host/child.c
  python3 Benchmarks/synthetic-host/side-by-side.py --minutes 15 /tmp/memtop-before .build/release/memtop

Everything it starts is killed on exit, Ctrl-C and SIGTERM included.
"""
import argparse
import importlib.util
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("run", os.path.join(HERE, "run.py"))
run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(run)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binaries", nargs="+")
    ap.add_argument("--child", default="/tmp/radar-child")
    ap.add_argument("--minutes", type=float, default=15)
    ap.add_argument("--period", type=float, default=60)
    ap.add_argument("--processes", type=int, default=500)
    ap.add_argument("--leakers", type=int, default=20)
    ap.add_argument("--seed", type=int, default=26)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    work = tempfile.mkdtemp(prefix="memtop-side-by-side-")
    started = []
    try:
        for kind, args, _ in run.children_plan(a.processes, a.leakers, random.Random(a.seed)):
            started.append(subprocess.Popen([a.child, kind] + args, stdin=subprocess.DEVNULL))
        monitors = []
        for i, binary in enumerate(a.binaries):
            p = subprocess.Popen(
                [binary, "serve", "--prom-textfile", f"{work}/{i}.prom", "--interval", "1"],
                stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            started.append(p)
            monitors.append(p)
        t0 = last_time = time.monotonic()
        last = [cpu_seconds(m.pid) for m in monitors]
        while time.monotonic() - t0 < a.minutes * 60:
            time.sleep(a.period)
            now = time.monotonic()
            cells = []
            for i, m in enumerate(monitors):
                c = cpu_seconds(m.pid)
                cells.append(f"{a.binaries[i]}: {100 * (c - last[i]) / (now - last_time):.2f} % "
                             f"{rss_mib(m.pid):.1f} MiB (run {100 * c / (now - t0):.2f} %)")
                last[i] = c
            last_time = now
            print(f"{now - t0:6.0f} s  " + " | ".join(cells), flush=True)
    finally:
        for p in started:
            p.kill()
        for p in started:
            p.wait()


if __name__ == "__main__":
    main()
