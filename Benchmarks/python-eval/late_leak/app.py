"""Flat for 60 s (every session removed at logout), then leaks ~6 MB/min."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sessions  # noqa: E402
from pace import ticks  # noqa: E402

for tick in ticks(0.5):
    for n in range(25):
        key = tick * 25 + n
        sessions.login(key)
        sessions.logout(key, buggy=tick >= 120)
