"""Renders 2 new pages every 0.5 s: the cache fills in ~75 s, then stays at 300 pages."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pace import ticks  # noqa: E402
from render import render  # noqa: E402

for tick in ticks(0.5):
    for n in range(2):
        render(tick * 2 + n)
