"""Run a load generator's coroutine to completion from synchronous code, whatever the calling thread is doing.

`asyncio.run` refuses to start when the calling thread already has a running event loop: a notebook does, and so
does a test process in which Playwright's sync API drives the browser (its loop stays registered as running in the
main thread while the browser is open). The benches then run their coroutine on a fresh thread with its own loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_to_completion(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coro)`, on a fresh thread when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=target, name="bench-event-loop")
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
