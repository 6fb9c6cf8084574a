"""Turns as server-sent events: the synchronous turn runs in a worker thread and its events are forwarded to the SSE
response through an asyncio queue, so a slow client or a long answer never blocks the event loop or other sessions."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from assistant.citation_links import linked, with_links
from assistant.errors import AssistantError

log = logging.getLogger(__name__)
_END = object()


async def start_events(
    executor: ThreadPoolExecutor, produce: Callable[[], Any]
) -> tuple[Any, asyncio.Queue, threading.Event]:
    """Start `produce()` (an iterator of TurnEvents) in a worker; return its first item, the queue and a stop flag.

    Waiting for the first item before answering lets an error raised at once (bad input, rate limit, unknown session)
    become a proper 4xx JSON response instead of an event inside a 200 stream.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    stop = threading.Event()

    def work() -> None:
        events = None
        try:
            events = produce()
            for event in events:
                loop.call_soon_threadsafe(queue.put_nowait, event)
                if stop.is_set():  # the client went away: stop generating for nobody
                    break
        except BaseException as exc:  # noqa: BLE001 - forwarded to the response, logged there
            loop.call_soon_threadsafe(queue.put_nowait, exc)
        finally:
            with contextlib.suppress(Exception):
                if events is not None and hasattr(events, "close"):
                    events.close()
            loop.call_soon_threadsafe(queue.put_nowait, _END)

    loop.run_in_executor(executor, work)
    first = await queue.get()
    return first, queue, stop


async def sse_events(
    first: Any, queue: asyncio.Queue, stop: threading.Event
) -> AsyncIterator[dict[str, str]]:
    """The SSE messages of a started turn: its events, an `error` event for a failure mid-stream."""
    item = first
    try:
        while item is not _END:
            if isinstance(item, BaseException):
                status, payload, _ = error_body(item)
                yield {"event": "error", "data": json.dumps({**payload, "status": status})}
            else:
                yield sse_message(item)
            item = await queue.get()
    finally:
        stop.set()


def sse_message(event: Any) -> dict[str, str]:
    kind = event.type
    if kind == "token":
        data: Any = {"text": event.text}
    elif kind == "citation":
        data = linked(event.citation).model_dump(mode="json")
    elif kind == "tool_call":
        data = event.tool_call.model_dump(mode="json")
    else:
        data = with_links(event.reply).model_dump(mode="json")
    return {"event": kind, "data": json.dumps(data, ensure_ascii=False)}


def error_body(exc: BaseException) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, JSON body, headers) for an error: the caller's message for ours, nothing internal for the rest."""
    if isinstance(exc, AssistantError):
        headers = {}
        retry = getattr(exc, "retry_after", None)
        if retry is not None:
            headers["Retry-After"] = str(int(retry))
        return exc.status_code, {"error": exc.message}, headers
    log.error("unexpected error", exc_info=exc)
    return 500, {"error": "internal error; the server log has the details"}, {}
