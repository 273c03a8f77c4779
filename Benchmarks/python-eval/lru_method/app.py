"""Quotes for ever-new SKUs: 25 new cache entries of ~2 KB every 0.5 s."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pace import ticks  # noqa: E402
from pricing import Pricing  # noqa: E402

service = Pricing()
for tick in ticks(0.5):
    for n in range(25):
        service.quote(tick * 25 + n)
