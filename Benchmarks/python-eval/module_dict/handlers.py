"""Request handlers that memoize every reply in a module-level dict that nothing ever trims."""

from pace import reply


def render(request_id):
    return {"id": request_id, "body": reply(request_id, 2000), "status": 200}


def lookup(request_id):
    cached = _RESPONSE_CACHE.get(request_id)
    if cached is None:
        cached = render(request_id)
        _RESPONSE_CACHE[request_id] = cached
    return cached


# Every reply ever sent, by request id; requests never repeat, so it only grows.
_RESPONSE_CACHE = {}
