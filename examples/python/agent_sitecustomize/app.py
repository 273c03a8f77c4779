"""Checks that its own sitecustomize ran, then grows a list for a while.

    PYTHONPATH=examples/python/agent_sitecustomize memtop record --python -o own.csv -- \
        python3 examples/python/agent_sitecustomize/app.py
"""

import builtins
import sys
import time

print("own sitecustomize ran:", getattr(builtins, "OWN_SITECUSTOMIZE_RAN", False), flush=True)
seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 600.0
end = time.monotonic() + seconds
kept = []
while time.monotonic() < end:
    kept.append(bytearray(10000))
    time.sleep(0.01)
