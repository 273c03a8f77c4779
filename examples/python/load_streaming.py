"""Totals the same 60 MB log by streaming it through a generator: one line at a time is alive,
so memory stays flat whatever the file's size. Compare with load_whole.py.
Watch it:  memtop record -o stream.csv -- python3 examples/python/load_streaming.py
"""

import os
import tempfile
import time

from sample_log import write_sample_log


def amounts(path: str):
    with open(path) as f:
        for line in f:  # the file object yields lines lazily
            yield int(line.rsplit(",", 1)[1])


def main() -> None:
    path = os.path.join(tempfile.mkdtemp(), "sales.log")
    write_sample_log(path)
    start = time.time()
    total = sum(amounts(path))
    print(f"load_streaming: total {total:,} in {time.time() - start:.1f} s", flush=True)
    time.sleep(1)
    os.remove(path)


if __name__ == "__main__":
    main()
