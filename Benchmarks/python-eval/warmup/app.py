"""Loads ~20 MB of reference data over 20 s at start-up, then serves from it without growing."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import catalog  # noqa: E402
from pace import ticks  # noqa: E402

for tick in ticks(0.5):
    if tick < 40:
        catalog.load(tick)
    else:
        catalog.lookup(tick)
