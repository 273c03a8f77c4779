"""One instance of a small service, told apart from its siblings only by its arguments:
`--mode leak` keeps every reply (about 4 MiB a minute), `--mode steady` keeps none.

    python3 examples/python/instance.py --port 9401 --mode steady &
    python3 examples/python/instance.py --port 9402 --mode leak &
    python3 examples/python/instance.py --port 9403 --mode steady &
    memtop            # the table: the leaking instance comes first, its arguments shown
"""

import argparse
import os
import time

KEPT = []


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=9400)
    parser.add_argument("--mode", choices=["steady", "leak"], default="steady")
    parser.add_argument("--seconds", type=float, default=3600)
    args = parser.parse_args()
    # Some start-up state, as a real service has.
    state = [os.urandom(1024) for _ in range(20_000)]
    end = time.monotonic() + args.seconds
    while time.monotonic() < end:
        reply = os.urandom(7 * 1024)
        if args.mode == "leak":
            KEPT.append(reply)
        time.sleep(0.1)
    return len(state)


if __name__ == "__main__":
    main()
