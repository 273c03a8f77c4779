"""An asyncio server that starts 25 tasks every 0.5 s that wait for a reply that never comes."""

import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import tasks  # noqa: E402


async def main():
    never = asyncio.Event()
    loop = asyncio.get_running_loop()
    start = loop.time()
    tick = 0
    while True:
        for n in range(25):
            tasks.spawn(tick * 25 + n, never)
        tick += 1
        await asyncio.sleep(max(0.0, start + tick * 0.5 - loop.time()))


asyncio.run(main())
