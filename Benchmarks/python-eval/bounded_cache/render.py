"""Page rendering memoized in a bounded lru_cache (300 pages of ~17 KB)."""

import functools

from pace import reply


@functools.lru_cache(maxsize=300)
def render(page):
    return reply(page, 17_000)
