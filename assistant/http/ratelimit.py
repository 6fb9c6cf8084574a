"""A thread-safe sliding-window rate limiter with bounded memory.

Each key (a client address, a session id) keeps the timestamps of its hits in the current window. Keys idle for a
whole window are evicted, and the number of keys is capped (least recently used first), so a flood of distinct keys
cannot grow memory without bound. One process only: behind a load balancer each server limits on its own, which is
the documented trade-off (a shared limiter would need Redis or the database).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from assistant.errors import RateLimited


class RateLimiter:
    """At most `limit` hits per key in any `window_s` seconds; `hit(key)` raises `RateLimited` beyond that."""

    def __init__(
        self,
        limit: int,
        window_s: float = 60,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
        what: str = "requests",
    ):
        if limit < 1:
            raise ValueError("limit must be at least 1")
        if window_s <= 0:
            raise ValueError("window_s must be positive")
        self.limit = limit
        self.window_s = float(window_s)
        self.max_keys = max_keys
        self.what = what
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def hit(self, key: str) -> None:
        """Count one request for `key`; raise `RateLimited(message, retry_after)` when over the limit (not counted)."""
        now = self._clock()
        with self._lock:
            self._maybe_sweep(now)
            hits = self._hits.get(key)
            if hits is None:
                hits = deque()
                self._hits[key] = hits
                while len(self._hits) > self.max_keys:
                    self._hits.popitem(last=False)  # the least recently used key goes first
            else:
                self._hits.move_to_end(key)
            cutoff = now - self.window_s
            while hits and hits[0] <= cutoff:
                hits.popleft()
            if len(hits) >= self.limit:
                retry_after = max(1, math.ceil(hits[0] + self.window_s - now))
                raise RateLimited(
                    f"too many {self.what}: at most {self.limit} per {self.window_s:g} s; retry in {retry_after} s",
                    retry_after=retry_after,
                )
            hits.append(now)

    def remaining(self, key: str) -> int:
        """How many hits `key` has left in the current window."""
        now = self._clock()
        with self._lock:
            hits = self._hits.get(key)
            if not hits:
                return self.limit
            return max(0, self.limit - sum(1 for t in hits if t > now - self.window_s))

    def __len__(self) -> int:
        """The number of keys held (for tests and metrics)."""
        with self._lock:
            return len(self._hits)

    def _maybe_sweep(self, now: float) -> None:
        # Evict idle keys at most once per window: O(keys) work amortised over a window's worth of hits.
        if now - self._last_sweep < self.window_s:
            return
        self._last_sweep = now
        cutoff = now - self.window_s
        for key in [k for k, hits in self._hits.items() if not hits or hits[-1] <= cutoff]:
            del self._hits[key]
