"""Rate limits: a per-process sliding window (the first line) and a token bucket in the database (across servers).

`RateLimiter`: each key (a client address, a session id) keeps the timestamps of its hits in the current window. Keys
idle for a whole window are evicted, and the number of keys is capped (least recently used first), so a flood of
distinct keys cannot grow memory without bound. It costs no I/O, so a flood is turned away before the database sees it.

`SharedRateLimiter`: one token-bucket row per key in the service's database (table `rate_buckets`), refilled and
taken in one atomic upsert, so a limit holds however the load balancer spreads a client or a conversation over the
app servers. `make_limiter` layers the two when the database is shared (not SQLite, or `limits.shared_limits`).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from assistant.errors import RateLimited

log = logging.getLogger(__name__)


class Limiter(Protocol):
    """What the middleware and the chat route call: count a hit, or raise `RateLimited`."""

    def hit(self, key: str) -> None: ...


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


def _refilled(cap: str, rate: str, now: str) -> str:
    # the bucket's level at `now`: the stored level plus what flowed in since (never negative time), capped
    level = (
        f"rate_buckets.tokens + (CASE WHEN {now} > rate_buckets.updated_at "
        f"THEN {now} - rate_buckets.updated_at ELSE 0 END) * {rate}"
    )
    return f"(CASE WHEN {level} > {cap} THEN {cap} ELSE {level} END)"


_CAP, _RATE, _NOW = "CAST(:cap AS FLOAT)", "CAST(:rate AS FLOAT)", "CAST(:now AS FLOAT)"
_LEVEL = _refilled(_CAP, _RATE, _NOW)
# Portable SQL (SQLite 3.35+ and PostgreSQL): both evaluate every SET expression against the row as it was.
_TAKE = text(
    "INSERT INTO rate_buckets (key, tokens, allowed, updated_at) VALUES (:key, :cap - 1, 1, :now) "
    "ON CONFLICT (key) DO UPDATE SET "
    f"tokens = CASE WHEN {_LEVEL} >= 1 THEN {_LEVEL} - 1 ELSE {_LEVEL} END, "
    f"allowed = CASE WHEN {_LEVEL} >= 1 THEN 1 ELSE 0 END, "
    "updated_at = :now RETURNING tokens, allowed"
)


class SharedRateLimiter:
    """At most `limit` hits per `window_s` per key across every server on the database: a token bucket of `limit`
    tokens refilled at `limit / window_s` per second (bursts up to `limit`, then a steady rate).

    A database that cannot be reached lets the hit through (logged): the per-process limit still applies, and a
    limiter must not turn a database hiccup into refusing everyone.
    """

    def __init__(
        self,
        engine: Engine,
        limit: int,
        window_s: float = 60,
        *,
        scope: str,
        what: str = "requests",
        clock: Callable[[], float] = time.time,
    ):
        if limit < 1 or window_s <= 0:
            raise ValueError("limit must be at least 1 and window_s positive")
        self.engine, self.limit, self.window_s = engine, limit, float(window_s)
        self.scope, self.what, self._clock = scope, what, clock
        self.rate = limit / self.window_s
        self._last_sweep = 0.0

    def hit(self, key: str) -> None:
        """Take a token for `key`; raise `RateLimited(message, retry_after)` when its bucket is empty."""
        now = self._clock()
        params = {"key": f"{self.scope}:{key}", "cap": float(self.limit), "rate": self.rate, "now": now}
        try:
            with self.engine.begin() as conn:
                tokens, allowed = conn.execute(_TAKE, params).one()
                if now - self._last_sweep > self.window_s:
                    self._sweep(conn, now)
        except SQLAlchemyError as exc:
            log.warning("shared rate limit unavailable (%s); per-process limit only", type(exc).__name__)
            return
        if not allowed:
            retry_after = max(1, math.ceil((1 - float(tokens)) / self.rate))
            raise RateLimited(
                f"too many {self.what}: at most {self.limit} per {self.window_s:g} s; retry in {retry_after} s",
                retry_after=retry_after,
            )

    def _sweep(self, conn: Any, now: float) -> None:
        # a bucket idle for two windows is full again: its row says nothing a missing row would not
        self._last_sweep = now
        conn.execute(
            text("DELETE FROM rate_buckets WHERE updated_at < :old"), {"old": now - 2 * self.window_s}
        )


class LayeredLimiter:
    """The per-process limiter first (no I/O), then the shared one; a hit must pass both."""

    def __init__(self, first: RateLimiter, shared: SharedRateLimiter):
        self.first, self.shared = first, shared
        self.limit, self.what = first.limit, first.what

    def hit(self, key: str) -> None:
        self.first.hit(key)
        self.shared.hit(key)

    def remaining(self, key: str) -> int:
        return self.first.remaining(key)

    def __len__(self) -> int:
        return len(self.first)


def shares_limits(settings: Any) -> bool:
    """Whether limits must hold across servers: `limits.shared_limits`, by default on for a non-SQLite database."""
    from assistant.storage.db import is_sqlite, normalize_url

    chosen = getattr(settings.limits, "shared_limits", None)
    return (not is_sqlite(normalize_url(settings.db_url))) if chosen is None else bool(chosen)


def make_limiter(settings: Any, scope: str, limit: int, window_s: float = 60, *, what: str) -> Limiter:
    """The limiter for `scope` ("client", "session"): per process, layered with the database's when shared."""
    first = RateLimiter(limit, window_s, what=what)
    if not shares_limits(settings):
        return first
    from assistant.storage.db import get_engine

    shared = SharedRateLimiter(get_engine(settings.db_url), limit, window_s, scope=scope, what=what)
    return LayeredLimiter(first, shared)
