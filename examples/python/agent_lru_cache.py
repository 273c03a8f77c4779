"""An unbounded functools.lru_cache keyed on a timestamp: every call is a miss, so the cache
grows for ever. Under `memtop --python` the cache is named with its growing currsize.

    memtop record --python -o lru.csv -- python3 examples/python/agent_lru_cache.py
    memtop analyze lru.csv
"""

import functools
import sys
import time


@functools.lru_cache(maxsize=None)
def price(item, stamp):
    # A timestamp in the key: no call ever hits.
    return {"item": item, "stamp": stamp, "label": "price of %s at %.6f" % (item, stamp)}


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 600.0
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        for _ in range(20):
            price("item-%d" % (n % 50), time.time())
            n += 1
        time.sleep(0.02)
    print("priced", n, "items; cache", price.cache_info(), flush=True)


if __name__ == "__main__":
    main()
