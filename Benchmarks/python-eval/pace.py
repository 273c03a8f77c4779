"""The evaluation programs' shared clock: `ticks(period)` yields the tick number every
`period` seconds of wall time until the process is stopped (drift-free)."""

import time


def ticks(period=0.5):
    start = time.monotonic()
    number = 0
    while True:
        yield number
        number += 1
        delay = start + number * period - time.monotonic()
        if delay > 0:
            time.sleep(delay)


def reply(key, size):
    """A distinct text of about `size` bytes (never shared with another key)."""
    unit = "%08d|" % key
    return unit * (size // len(unit))
