"""A hand-written LRU cache on collections.OrderedDict that evicts its oldest entry past
10,000 items: memory grows while it fills, then holds.
Watch it:  memtop record -o od.csv -- python3 examples/python/ordereddict_cache.py
"""

import collections
import itertools
import time


class LRUCache:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.entries: collections.OrderedDict = collections.OrderedDict()

    def get(self, key, compute):
        if key in self.entries:
            self.entries.move_to_end(key)
            return self.entries[key]
        value = compute(key)
        self.entries[key] = value
        if len(self.entries) > self.capacity:
            self.entries.popitem(last=False)  # evict the least recently used
        return value


def render_page(page_id: int) -> bytes:
    return b"<html>" + bytes(str(page_id), "ascii") * 200 + b"</html>"


def main() -> None:
    cache = LRUCache(10_000)
    print("ordereddict_cache: an LRU cache of at most 10,000 rendered pages", flush=True)
    for page_id in itertools.count():
        cache.get(page_id, render_page)
        if page_id % 50 == 0:
            time.sleep(0.005)


if __name__ == "__main__":
    main()
