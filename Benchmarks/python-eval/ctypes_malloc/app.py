"""Calls a leaking native function every 0.5 s (50 KB each): the growth is outside Python."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import native  # noqa: E402
from pace import ticks  # noqa: E402

for _tick in ticks(0.5):
    native.process()
