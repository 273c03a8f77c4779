"""An unbounded functools.lru_cache on a price calculation called with ever-new arguments.

Every call adds an entry that is never evicted (maxsize=None), so memory grows for as long as
the program runs: the classic cache leak. Compare with bounded_cache.py.
Watch it:  memtop record -o cache.csv -- python3 examples/python/unbounded_cache.py
"""

import functools
import itertools
import time


@functools.lru_cache(maxsize=None)
def price(order_id: int, quantity: int) -> tuple:
    # A result object with some weight, as a real pricing function would return.
    return (order_id, quantity, [quantity * 1.07] * 40, f"order-{order_id}-{quantity}")


def main() -> None:
    print("unbounded_cache: every call adds a cache entry that is never evicted", flush=True)
    for order_id in itertools.count():
        for quantity in range(20):
            price(order_id, quantity)
        time.sleep(0.002)


if __name__ == "__main__":
    main()
