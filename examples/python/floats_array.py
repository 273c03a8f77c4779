"""Five million floats in an array.array('d'): 8 bytes each, stored inline, no objects.
Compare with floats_list.py and floats_numpy.py.
Watch it:  memtop record -o array.csv -- python3 examples/python/floats_array.py
"""

import array
import time

COUNT = 5_000_000

values = array.array("d", (i * 0.5 for i in range(COUNT)))
print(f"floats_array: {len(values):,} floats held in an array.array", flush=True)
time.sleep(2)
print(f"sum = {sum(values):.1f}", flush=True)
