"""Five million floats in a plain list: each float is a separate 24-byte object, plus an
8-byte pointer in the list. Compare with floats_array.py and floats_numpy.py.
Watch it:  memtop record -o list.csv -- python3 examples/python/floats_list.py
"""

import time

COUNT = 5_000_000

values = [i * 0.5 for i in range(COUNT)]
print(f"floats_list: {len(values):,} floats held in a list", flush=True)
time.sleep(2)  # hold them while memtop samples
print(f"sum = {sum(values):.1f}", flush=True)
