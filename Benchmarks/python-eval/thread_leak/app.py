"""The leak is in a worker thread; the main thread only waits."""

import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import registry  # noqa: E402
from pace import ticks  # noqa: E402


def worker():
    for tick in ticks(0.5):
        for n in range(25):
            registry.accept(tick * 25 + n)


thread = threading.Thread(target=worker, name="acceptor", daemon=True)
thread.start()
thread.join()
