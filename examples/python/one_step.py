"""A service that loads a large model once at start-up, then serves with steady memory.

The one-off step (about 150 MiB, three seconds in) is not a leak: after it the level holds.
Watch it:  memtop record -o step.csv -- python3 examples/python/one_step.py
"""

import time


def main() -> None:
    print("one_step: loading a 150 MiB model after 3 s, then serving", flush=True)
    time.sleep(3)
    model = bytearray(b"\x01") * (150 << 20)  # every page touched, as real weights would be
    served = 0
    while True:
        scratch = bytearray(64 << 10)  # small per-request buffer, freed at once
        served += len(scratch) + model[served % len(model)]
        time.sleep(0.01)


if __name__ == "__main__":
    main()
