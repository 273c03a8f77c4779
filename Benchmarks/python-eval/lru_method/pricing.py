"""A price service that memoizes on a method with an unbounded lru_cache."""

import functools

from pace import reply


class Pricing:
    @functools.lru_cache(maxsize=None)  # noqa: B019 (the leak this program shows)
    def quote(self, sku):
        return reply(sku, 2000)
