"""Batch processing that builds up a working set, then releases it: a sawtooth.

Each batch allocates 1 MiB buffers until it holds about 60 MiB, then drops them all. Memory
climbs and falls again and again, but the level it returns to does not rise: no leak.
Watch it:  memtop record -o saw.csv -- python3 examples/python/gc_sawtooth.py
"""

import time


def main() -> None:
    print("gc_sawtooth: batches of up to 60 MiB, released after each batch", flush=True)
    while True:
        batch = []
        for _ in range(60):
            batch.append(bytearray(b"\x01") * (1 << 20))
            time.sleep(0.04)
        batch.clear()
        time.sleep(0.3)


if __name__ == "__main__":
    main()
