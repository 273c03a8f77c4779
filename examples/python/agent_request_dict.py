"""A request loop that keeps every payload in a module-level dict: the dict and the payloads
grow for ever, all allocated on one line. `memtop --python --trace-lines` names that line.

    memtop record --python --trace-lines -o req.csv -- python3 examples/python/agent_request_dict.py
    memtop analyze req.csv

It prints one line per 100 requests (so a test can see that it still runs after an attach).
"""

import os
import sys
import time

SEEN = {}


def handle(request_id):
    # 4 KiB of text per request, allocated and kept on one line: the line memtop names.
    SEEN[request_id] = os.urandom(2048).hex()  # AGENT-LEAK-LINE
    return len(SEEN[request_id])


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 600.0
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        handle(n)
        n += 1
        if n % 100 == 0:
            print("handled", n, "requests", flush=True)
        time.sleep(0.002)


if __name__ == "__main__":
    main()
