#!/usr/bin/env python3
"""The synthetic host of issue #26: N processes (20 leaking at 1 to 30 MB/min, the rest benign:
idle, warm-ups that level off, bounded caches, GC sawtooth, one-off steps) watched by
`memtop serve` and by Debian's prometheus-process-exporter with the usual deriv() rule, in one
Prometheus (1 s scrape and evaluation). Prints a markdown table: leakers alerted and when,
benign processes ever alerted, each exporter's CPU, RSS and series per scrape.

  cc -O2 -o /tmp/radar-child Benchmarks/synthetic-host/child.c
  python3 Benchmarks/synthetic-host/run.py --memtop .build/release/memtop --minutes 30

Everything it starts is killed on exit, failure included.
"""
import argparse
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
RULES = os.path.join(HERE, "..", "..", "deploy", "prometheus", "memtop.rules.yml")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(port, path, **params):
    url = f"http://127.0.0.1:{port}{path}?" + urllib.parse.urlencode(params)
    with urllib.request.urlopen(url, timeout=60) as r:
        return json.load(r)["data"]


def children_plan(total, leakers, rng):
    plan = []
    for i in range(leakers):  # 1 to 30 MB/min, spread evenly
        rate_mb = 1 + 29 * i / max(leakers - 1, 1)
        plan.append(("leak", [str(int(rate_mb * 1e6 / 1024))], rate_mb))
    kinds = ["idle", "warmup", "cache", "sawtooth", "step"]
    for i in range(total - leakers):
        kind = kinds[i % len(kinds)]
        if kind == "idle":
            args = [str(rng.randint(1024, 8192))]
        elif kind == "warmup":
            args = [str(rng.randint(2048, 8192)), str(rng.randint(30, 300))]
        elif kind == "cache":
            args = [str(4096)]
        elif kind == "sawtooth":
            args = [str(4096), str(rng.randint(10, 60))]
        else:
            args = [str(4096), str(rng.randint(60, 600))]
        plan.append((kind, args, 0.0))
    return plan


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--memtop", required=True)
    ap.add_argument("--child", default="/tmp/radar-child")
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--processes", type=int, default=500)
    ap.add_argument("--leakers", type=int, default=20)
    ap.add_argument("--seed", type=int, default=26)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    work = tempfile.mkdtemp(prefix="memtop-synthetic-")
    started = []

    def start(argv, **kw):
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, **kw)
        started.append(p)
        return p

    try:
        # The children run under the name radar-child (their comm), whatever the binary's path.
        child = os.path.join(work, "radar-child")
        os.symlink(os.path.abspath(a.child), child)
        plan = children_plan(a.processes, a.leakers, rng)
        kids = []
        for kind, args, rate in plan:
            p = start([child, kind] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            kids.append((p.pid, kind, rate))
        memtop_port, pe_port, prom_port = free_port(), free_port(), free_port()
        memtop_err = open(os.path.join(work, "memtop.err"), "w")
        start([a.memtop, "serve", "--metrics-listen", f"127.0.0.1:{memtop_port}"], stdout=subprocess.DEVNULL, stderr=memtop_err)
        start(["prometheus-process-exporter", "-config.path", os.path.join(HERE, "process-exporter.yml"),
               "-web.listen-address", f"127.0.0.1:{pe_port}", "-gather-smaps=false"],
              stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "pe.err"), "w"))
        config = os.path.join(work, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: ['{os.path.abspath(RULES)}', '{os.path.join(HERE, "recipe.rules.yml")}']
scrape_configs:
  - job_name: memtop
    static_configs: [{{targets: ['127.0.0.1:{memtop_port}']}}]
  - job_name: process-exporter
    static_configs: [{{targets: ['127.0.0.1:{pe_port}']}}]
""")
        start(["prometheus", f"--config.file={config}", f"--storage.tsdb.path={work}/data",
               f"--web.listen-address=127.0.0.1:{prom_port}", "--log.level=warn"],
              stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "prom.err"), "w"))
        t0 = time.time()
        end = t0 + a.minutes * 60
        while time.time() < end:
            time.sleep(min(30, max(0, end - time.time())))
            print(f"  {int(time.time() - t0)} s", file=sys.stderr, flush=True)
        t1 = time.time()

        def firing(alertname):
            data = api(prom_port, "/api/v1/query_range", query=f'ALERTS{{alertname="{alertname}",alertstate="firing"}}',
                       start=t0, end=t1, step=5)
            first = {}
            for series in data["result"]:
                labels = series["metric"]
                pid = labels.get("pid")
                if pid is None:
                    m = re.search(r"-(\d+)$", labels.get("groupname", ""))
                    pid = m.group(1) if m else None
                if pid is None:
                    continue
                when = min(float(v[0]) for v in series["values"])
                first[int(pid)] = min(first.get(int(pid), when), when)
            return first

        def scalar(q):
            r = api(prom_port, "/api/v1/query", query=q, time=t1)["result"]
            return float(r[0]["value"][1]) if r else float("nan")

        span = f"{int(t1 - t0)}s"
        rows = []
        for name, alert, job, cpu, rss in [
            ("memtop serve", "MemtopProcessLeak", "memtop", "memtop_self_cpu_seconds_total", "memtop_self_resident_bytes"),
            ("process-exporter + deriv rule", "RecipeLeak", "process-exporter", "process_cpu_seconds_total{job=\"process-exporter\"}",
             "process_resident_memory_bytes{job=\"process-exporter\"}"),
        ]:
            first = firing(alert)
            leakers = [(pid, rate) for pid, kind, rate in kids if kind == "leak"]
            benign = [pid for pid, kind, _ in kids if kind != "leak"]
            caught = [(pid, first[pid] - t0) for pid, _ in leakers if pid in first]
            false_alarms = [pid for pid in benign if pid in first]
            by_kind = {}
            for pid, kind, _ in kids:
                if kind != "leak" and pid in first:
                    by_kind[kind] = by_kind.get(kind, 0) + 1
            cpu_share = (scalar(f"max_over_time({cpu}[{span}])") - scalar(f"min_over_time({cpu}[{span}])")) / (t1 - t0)
            rows.append({
                "exporter": name,
                "leakers alerted": f"{len(caught)}/{len(leakers)}",
                "median s to alert": sorted(s for _, s in caught)[len(caught) // 2] if caught else None,
                "benign ever alerted": f"{len(false_alarms)}/{len(benign)} ({100 * len(false_alarms) / max(len(benign), 1):.1f} %)",
                "false alarms by kind": by_kind,
                "CPU % of one core": round(100 * cpu_share, 2),
                "RSS MiB (min..max)": f"{scalar(f'min_over_time({rss}[{span}])') / 2**20:.1f}..{scalar(f'max_over_time({rss}[{span}])') / 2**20:.1f}",
                "series per scrape (max)": int(scalar(f'max_over_time(scrape_samples_scraped{{job="{job}"}}[{span}])')),
            })
        print(f"\nsynthetic host: {a.processes} processes ({a.leakers} leaking at 1 to 30 MB/min), {a.minutes:g} min, seed {a.seed}\n")
        keys = list(rows[0].keys())
        print("| " + " | ".join(keys) + " |")
        print("|" + "---|" * len(keys))
        for r in rows:
            print("| " + " | ".join(str(r[k]) for k in keys) + " |")
        with open(os.path.join(work, "result.json"), "w") as f:
            json.dump(rows, f, indent=1)
        print(f"\n(details in {work})")
    finally:
        for p in reversed(started):
            try:
                p.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.time() + 30
        for p in started:
            try:
                p.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


if __name__ == "__main__":
    main()
