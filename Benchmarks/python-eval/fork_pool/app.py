"""A pre-fork pool of two workers; worker 1 leaks ~6 MB/min, worker 0 is steady."""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jobs  # noqa: E402
from pace import ticks  # noqa: E402


def serve(worker):
    for tick in ticks(0.5):
        for n in range(25):
            jobs.handle(worker, tick * 25 + n)


children = []
for worker in range(2):
    pid = os.fork()
    if pid == 0:
        try:
            serve(worker)
        finally:
            os._exit(0)
    children.append(pid)


def stop(signum, frame):
    for child in children:
        try:
            os.kill(child, signal.SIGTERM)
        except OSError:
            pass
    os._exit(0)


signal.signal(signal.SIGTERM, stop)
signal.signal(signal.SIGINT, stop)
for child in children:
    os.waitpid(child, 0)
