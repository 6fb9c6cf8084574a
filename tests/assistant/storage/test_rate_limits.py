"""Rate limits in the database (SQLite and a real PostgreSQL server): one token bucket per key, shared by servers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import create_engine, text

from assistant.errors import RateLimited
from assistant.http.ratelimit import LayeredLimiter, RateLimiter, SharedRateLimiter, make_limiter
from assistant.settings import Settings
from assistant.storage.db import get_engine, normalize_url


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _allowed(limiter, key: str, n: int) -> int:
    ok = 0
    for _ in range(n):
        try:
            limiter.hit(key)
            ok += 1
        except RateLimited:
            pass
    return ok


def test_a_bucket_allows_a_burst_then_refills_at_the_limit_rate(database_url):
    clock = Clock()
    limiter = SharedRateLimiter(get_engine(database_url), 3, 60, scope="session", clock=clock)
    assert _allowed(limiter, "s1", 3) == 3
    with pytest.raises(RateLimited) as refused:
        limiter.hit("s1")
    assert refused.value.retry_after == 20  # one token per 20 s
    assert _allowed(limiter, "s2", 1) == 1  # another key has its own bucket
    clock.now += 20
    assert _allowed(limiter, "s1", 2) == 1
    clock.now += 3600  # idle for long: full again, never more than the limit
    assert _allowed(limiter, "s1", 10) == 3


def test_two_servers_share_one_bucket_under_concurrency(database_url):
    # Two engines stand in for two app servers; 8 threads hit the same key at the same moment (clock frozen).
    get_engine(database_url)  # migrated
    engines = [create_engine(normalize_url(database_url)) for _ in range(2)]
    clock = Clock()
    servers = [SharedRateLimiter(e, 20, 60, scope="client", clock=clock) for e in engines]
    try:
        with ThreadPoolExecutor(8) as pool:
            counts = list(pool.map(lambda i: _allowed(servers[i % 2], "10.0.0.7", 10), range(8)))
        assert sum(counts) == 20  # not 20 per server, not more under races
    finally:
        for engine in engines:
            engine.dispose()


def test_idle_buckets_are_swept(database_url):
    engine = get_engine(database_url)
    clock = Clock()
    limiter = SharedRateLimiter(engine, 5, 10, scope="client", clock=clock)
    for i in range(5):
        limiter.hit(f"addr-{i}")
    clock.now += 25  # two windows later: the next hit sweeps the idle rows
    limiter.hit("addr-new")
    with engine.connect() as conn:
        keys = [r[0] for r in conn.execute(text("SELECT key FROM rate_buckets"))]
    assert keys == ["client:addr-new"]


def test_a_database_that_is_down_lets_hits_through():
    from assistant.storage.pgserver import free_port

    dead = create_engine(
        f"postgresql+psycopg://mka@127.0.0.1:{free_port()}/none", connect_args={"connect_timeout": 2}
    )
    limiter = SharedRateLimiter(dead, 1, 60, scope="client")
    assert _allowed(limiter, "x", 3) == 3  # logged; the per-process first line still limits


def test_limits_are_shared_when_the_database_is(database_url, tmp_path):
    settings = Settings(data_dir=tmp_path / "var", database_url=database_url, _env_file=None)
    limiter = make_limiter(settings, "session", 2, what="messages")
    if database_url.startswith("sqlite"):
        assert isinstance(limiter, RateLimiter)  # one server: the per-process limit is the limit
    else:
        assert isinstance(limiter, LayeredLimiter)
        again = make_limiter(settings, "session", 2, what="messages")  # the same limit on a second server
        assert _allowed(limiter, "s", 1) + _allowed(again, "s", 2) == 2
    settings.limits.shared_limits = True
    assert isinstance(make_limiter(settings, "client", 2, what="requests"), LayeredLimiter)
