"""Reference cycles with the collector switched off: every Node pair points at itself, so
reference counting never frees it and gc.disable() means nothing else will.
`memtop --python` shows the collector disabled and Node growing among the types.

    memtop record --python -o cycles.csv -- python3 examples/python/agent_gc_cycles.py
    memtop analyze cycles.csv
"""

import gc
import sys
import time


class Node:
    def __init__(self, payload):
        self.payload = payload
        self.other = None


def main():
    gc.disable()
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 600.0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(50):
            a, b = Node("x" * 200), Node("y" * 200)
            a.other, b.other = b, a  # a cycle, dropped at once
        time.sleep(0.05)


if __name__ == "__main__":
    main()
