"""Threads that are started and never end: a worker per "request", each left waiting for ever.

Every 0.2 s a new thread starts, does a little nested work (which touches its stack) and then
waits on an event nobody sets. Each thread keeps its stack (an 8 MiB mapping, a few dozen KiB
of it resident): memory grows in thread_stacks, and the thread count climbs.

    memtop record -o threads.csv -- python3 examples/python/thread_leak.py
    memtop analyze threads.csv
"""

import threading
import time

never = threading.Event()


def nested(depth):
    # Each level goes through map(), a C function, so every level is a C stack frame too.
    if depth == 0:
        never.wait()
        return 0
    return sum(map(nested, [depth - 1]))


def main():
    print("thread_leak: a thread every 0.2 s that never ends", flush=True)
    while True:
        threading.Thread(target=nested, args=(120,), daemon=True).start()
        time.sleep(0.2)


if __name__ == "__main__":
    main()
