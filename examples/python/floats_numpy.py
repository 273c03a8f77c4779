"""Five million floats in a numpy.ndarray: 8 bytes each in one contiguous buffer, built
without ever creating a Python float per element. Compare with floats_list.py.
Watch it:  memtop record -o numpy.csv -- python3 examples/python/floats_numpy.py
"""

import time

import numpy

COUNT = 5_000_000

values = numpy.arange(COUNT, dtype=numpy.float64)
values *= 0.5  # in place: no second 40 MB temporary
print(f"floats_numpy: {values.size:,} floats held in a numpy array", flush=True)
time.sleep(2)
print(f"sum = {values.sum():.1f}", flush=True)
