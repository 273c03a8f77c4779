"""Background tasks kept in a module-level set so they are not collected; none ever ends."""

import asyncio

from pace import reply

_RUNNING = set()


async def wait_for_reply(key, done):
    buffer = reply(key, 2000)
    await done.wait()
    return len(buffer)


def spawn(key, done):
    task = asyncio.get_running_loop().create_task(wait_for_reply(key, done))
    _RUNNING.add(task)
