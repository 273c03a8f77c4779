"""Job handling; worker 1's jobs keep their results in a module-level list by mistake."""

from pace import reply

RESULTS = []


def handle(worker, key):
    result = reply(key, 2000)
    if worker == 1:
        RESULTS.append(result)
    return len(result)
