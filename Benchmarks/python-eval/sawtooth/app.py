"""A batch job: builds ~40 MB, frees it, every 3 s (a sawtooth with a flat floor)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import batch  # noqa: E402
from pace import ticks  # noqa: E402

for tick in ticks(3.0):
    batch.run(tick)
