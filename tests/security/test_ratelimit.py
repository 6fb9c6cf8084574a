"""The sliding-window rate limiter: limits, Retry-After, eviction of idle keys, thread safety."""

from __future__ import annotations

import threading

import pytest

from assistant.errors import RateLimited
from assistant.http.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_limit_and_retry_after():
    clock = Clock()
    limiter = RateLimiter(3, 60, clock=clock)
    for _ in range(3):
        limiter.hit("a")
    with pytest.raises(RateLimited) as info:
        limiter.hit("a")
    assert info.value.status_code == 429
    assert info.value.retry_after == 60
    assert "at most 3" in info.value.message
    limiter.hit("b")  # other keys are independent
    clock.t += 30
    with pytest.raises(RateLimited) as info:
        limiter.hit("a")
    assert info.value.retry_after == 30
    clock.t += 30.5  # the window slid past the first three hits
    limiter.hit("a")
    assert limiter.remaining("a") == 2


def test_refused_hits_do_not_extend_the_ban():
    clock = Clock()
    limiter = RateLimiter(1, 10, clock=clock)
    limiter.hit("a")
    for _ in range(50):
        clock.t += 0.1
        with pytest.raises(RateLimited):
            limiter.hit("a")
    clock.t += 5.1
    limiter.hit("a")


def test_idle_keys_are_evicted():
    clock = Clock()
    limiter = RateLimiter(5, 10, clock=clock)
    for i in range(1000):
        limiter.hit(f"client-{i}")
    assert len(limiter) == 1000
    clock.t += 11
    limiter.hit("fresh")
    assert len(limiter) == 1


def test_key_count_is_capped():
    limiter = RateLimiter(5, 60, max_keys=100)
    for i in range(10_000):
        limiter.hit(f"client-{i}")
    assert len(limiter) == 100


def test_thread_safe_exact_count():
    limiter = RateLimiter(500, 60)
    allowed = []
    refused = []

    def worker() -> None:
        for _ in range(100):
            try:
                limiter.hit("shared")
                allowed.append(1)
            except RateLimited:
                refused.append(1)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 500 and len(refused) == 300


def test_bad_configuration():
    with pytest.raises(ValueError):
        RateLimiter(0)
    with pytest.raises(ValueError):
        RateLimiter(1, 0)
