"""Each request subscribes a closure that holds its ~2 KB context: 25 per 0.5 s."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bus import EventBus  # noqa: E402
from pace import reply, ticks  # noqa: E402


def handle(request_id):
    context = reply(request_id, 2000)

    def on_event(event):
        return len(context) + event

    EventBus.subscribe(on_event)


for tick in ticks(0.5):
    for n in range(25):
        handle(tick * 25 + n)
    EventBus.publish(tick)
