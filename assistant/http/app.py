"""The HTTP service: `create_app(settings, assistant)` builds the FastAPI app from its routers (chat, marketer, pages),
the protections (`install_protections`: body limits, rate limits, security headers, CORS, error mapping) and the
shared state. The web pages and the widget are mounted on top by the composition root, `ui.server`.

Locked by default: the secrets are generated (or read) before anything is served, and an app configured to listen
beyond loopback (`settings.host`) while the marketer password is the demo one refuses to be built.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor

from fastapi import FastAPI

from assistant.api import AssistantAPI
from assistant.http import chat, marketer, pages, workspace
from assistant.http.auth import Authenticator, refuse_demo_password_off_loopback
from assistant.http.middleware import install_protections
from assistant.http.state import TURN_WORKERS, AppState, AssistantHolder
from assistant.secret_store import ensure_secrets
from assistant.settings import Settings

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, assistant: AssistantAPI | None = None) -> FastAPI:
    """The HTTP API. `assistant` defaults to `Assistant.from_settings(settings)`, built and warmed at start-up."""
    settings = settings or Settings()
    refuse_demo_password_off_loopback(settings)
    secrets_report = ensure_secrets(settings)
    state = AppState(
        settings=settings,
        auth=Authenticator(settings),
        holder=AssistantHolder(settings, assistant),
        executor=ThreadPoolExecutor(max_workers=TURN_WORKERS, thread_name_prefix="turn"),
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.marketer_password_hash is None:
            log.warning(
                "marketer login uses the demo password 'demo' (loopback only): set MKA_MARKETER_PASSWORD_HASH"
            )
        log.info("%s", secrets_report.describe())
        # Load the models before accepting traffic, so the first customer does not wait for them.
        await asyncio.get_running_loop().run_in_executor(state.executor, state.holder.warm_up)
        yield
        state.executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="Marketing assistant API",
        version="0.1.0",
        description="Grounded customer chat (SSE), recommendations, segments, ad copy, feedback and handoff.",
        lifespan=lifespan,
        docs_url=None,  # served from local files by pages.install_api_docs
        redoc_url=None,
    )
    app.state.mka = state
    app.state.settings = settings
    install_protections(app, settings)  # body limits, rate limits, headers, CORS, errors as JSON
    pages.install_api_docs(app)
    for module in (chat, marketer, pages, workspace):
        app.include_router(module.router)
    return app
