"""A cache on weakref.WeakValueDictionary: an entry lives only while someone else still holds
the value, so a stream of ever-new keys does not pile up.
Watch it:  memtop record -o weak.csv -- python3 examples/python/weakref_cache.py
"""

import itertools
import time
import weakref


class Document:
    def __init__(self, doc_id: int) -> None:
        self.doc_id = doc_id
        self.body = bytearray(2048)


def main() -> None:
    cache: "weakref.WeakValueDictionary[int, Document]" = weakref.WeakValueDictionary()
    working_set = []  # the last 500 documents in use keep their cache entries alive
    print("weakref_cache: entries vanish once no request holds the document", flush=True)
    for doc_id in itertools.count():
        doc = cache.get(doc_id)
        if doc is None:
            doc = Document(doc_id)
            cache[doc_id] = doc
        working_set.append(doc)
        if len(working_set) > 500:
            working_set.pop(0)
        if doc_id % 50 == 0:
            time.sleep(0.005)


if __name__ == "__main__":
    main()
