"""The same price calculation with functools.lru_cache(maxsize=N): memory grows while the cache
fills, then levels off once it evicts as fast as it adds. Compare with unbounded_cache.py.
Watch it:  memtop record -o cache.csv -- python3 examples/python/bounded_cache.py
"""

import functools
import itertools
import time


@functools.lru_cache(maxsize=20_000)
def price(order_id: int, quantity: int) -> tuple:
    return (order_id, quantity, [quantity * 1.07] * 40, f"order-{order_id}-{quantity}")


def main() -> None:
    print("bounded_cache: the cache fills to 20,000 entries, then evicts", flush=True)
    for order_id in itertools.count():
        for quantity in range(20):
            price(order_id, quantity)
        time.sleep(0.002)


if __name__ == "__main__":
    main()
