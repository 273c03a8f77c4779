"""A request loop that leaks: every request's result is kept in a module-level list.

Each iteration allocates temporary buffers (noise that is freed again) and appends about
20 KiB to a list that is never trimmed, so memory climbs steadily under the noise.
Run it under memtop:  memtop record -o leak.csv -- python3 examples/python/slow_leak.py
"""

import os
import random
import time

history = []  # the leak: grows by one entry per request, never trimmed


def handle_request(i: int) -> bytes:
    scratch = [os.urandom(256) for _ in range(random.randint(50, 400))]  # temporary noise
    result = b"x" * 20_000 + bytes(str(i), "ascii")
    del scratch
    return result


def main() -> None:
    print("slow_leak: serving requests; memory should climb about 1 MiB/s", flush=True)
    i = 0
    while True:
        history.append(handle_request(i))
        i += 1
        time.sleep(0.02)


if __name__ == "__main__":
    main()
