"""What every route shares, kept on `app.state`: the settings, the authenticator, the application API (built once,
lazily) and the worker pool that runs the synchronous, CPU-bound assistant off the event loop."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from assistant.api import AssistantAPI
from assistant.conversation.reply import Caller
from assistant.http.auth import CUSTOMER_TOKEN_HEADER, Authenticator
from assistant.settings import Settings

log = logging.getLogger(__name__)

# Turns run here; more concurrent sessions than workers wait in line instead of thrashing two CPU cores.
TURN_WORKERS = 16


class AssistantHolder:
    """Builds the real `Assistant` once (on first need, or at start-up) unless one was given."""

    def __init__(self, settings: Settings, assistant: AssistantAPI | None):
        self.settings = settings
        self._assistant = assistant
        self._lock = threading.Lock()
        self._warm = assistant is not None

    @property
    def ready(self) -> bool:
        """Built, warmed up, and done warming in the background: the first request costs what later ones do."""
        if self._assistant is None or not self._warm:
            return False
        # the help pages are read ahead in the background (`assistant.conversation.warm`)
        busy = getattr(self._assistant, "still_warming", None)
        return not (callable(busy) and busy())

    def warm_up(self) -> None:
        """Build the assistant and load its models now (the first customer should not wait for them).

        A backend that is down at start-up (a Chroma or LLM server) must not stop the service from starting: the
        failure is logged, `/healthz` reports `ready: false`, and requests that need the backend answer 503 until it
        is back.
        """
        try:
            self.get().warm_up()
            self._warm = True
        except Exception:
            log.exception(
                "warm-up failed; starting anyway (requests needing the failed backend will get 503)"
            )

    def get(self) -> AssistantAPI:
        if self._assistant is None:
            with self._lock:
                if self._assistant is None:
                    from assistant.api import Assistant  # heavy: models load here

                    self._assistant = Assistant.from_settings(self.settings)
        return self._assistant


@dataclass
class AppState:
    settings: Settings
    auth: Authenticator
    holder: AssistantHolder
    executor: ThreadPoolExecutor

    @property
    def api(self) -> AssistantAPI:
        return self.holder.get()

    async def in_worker(self, fn: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn)


def app_state(request: Request) -> AppState:
    return request.app.state.mka


def client_of(request: Request) -> str | None:
    return request.client.host if request.client else None


def marketer_route_caller(request: Request) -> Caller:
    """The caller of a marketer route: a marketer, or a customer who showed their token (whom the policy refuses).

    Nobody at all -> 401 saying how to log in; a customer -> the application API's 403.
    """
    state = app_state(request)
    marketer = state.auth.marketer_from_request(request)
    if marketer is not None:
        return Caller(role="marketer", client=client_of(request), user=marketer.username)
    token = request.headers.get(CUSTOMER_TOKEN_HEADER)
    if token:
        return Caller(role="customer", customer_id=state.auth.customer_id(token), client=client_of(request))
    state.auth.require_marketer(request)  # raises Unauthorized with how to log in
    raise AssertionError("unreachable")
