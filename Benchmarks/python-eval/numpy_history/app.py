"""A metrics loop that appends a 50 KB array every 0.5 s and never drops old ones."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import metrics  # noqa: E402
from pace import ticks  # noqa: E402

for tick in ticks(0.5):
    metrics.record(tick)
