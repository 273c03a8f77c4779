"""A service whose handlers cache every reply: ~25 new replies of ~2 KB each every 0.5 s."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import handlers  # noqa: E402
from pace import ticks  # noqa: E402

for tick in ticks(0.5):
    for n in range(25):
        handlers.lookup(tick * 25 + n)
