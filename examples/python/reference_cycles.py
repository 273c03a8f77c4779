"""Request objects that point at each other (parent <-> child), created and dropped in a loop.

Reference counting alone never frees a cycle; Python's cycle collector does. Run with
`disable` to turn it off (gc.disable()), as some code does for speed: memory then grows
without bound. With `enable` (the default) it holds.
Watch it:  memtop record -o cycles.csv -- python3 examples/python/reference_cycles.py disable
"""

import gc
import sys
import time


class Node:
    def __init__(self, parent=None) -> None:
        self.parent = parent
        self.children = []
        self.payload = bytearray(1024)


def handle_request() -> None:
    root = Node()
    for _ in range(10):
        root.children.append(Node(root))  # child -> parent and parent -> child: a cycle


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "enable"
    if mode == "disable":
        gc.disable()
    print(f"reference_cycles: cycle collector {'off' if mode == 'disable' else 'on'}", flush=True)
    while True:
        handle_request()
        time.sleep(0.002)


if __name__ == "__main__":
    main()
