"""Totals a 60 MB log by reading it whole: every line becomes a string in one big list, so
the peak holds the entire file several times over. Compare with load_streaming.py.
Watch it:  memtop record -o whole.csv -- python3 examples/python/load_whole.py
"""

import os
import tempfile
import time

from sample_log import write_sample_log


def main() -> None:
    path = os.path.join(tempfile.mkdtemp(), "sales.log")
    write_sample_log(path)
    start = time.time()
    with open(path) as f:
        lines = f.readlines()  # the whole file in memory, one str per line
    total = sum(int(line.rsplit(",", 1)[1]) for line in lines)
    print(f"load_whole: {len(lines):,} lines, total {total:,} in {time.time() - start:.1f} s", flush=True)
    time.sleep(1)
    os.remove(path)


if __name__ == "__main__":
    main()
