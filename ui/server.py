"""The composition root: the HTTP API (`assistant.http.create_app`) with the web pages on top: the landing page, the
embeddable widget and its demo page, the customer chat at /chat and the marketer workspace at /workspace.

`mka serve` builds the app with `settings.app_factory`, which names `create_server` by default; an API-only server
(`MKA_APP_FACTORY=assistant.http:create_app`) leaves the pages out. The workspace is guarded twice: the middleware
sends anyone without a marketer session to /login, and Gradio's `auth_dependency` names the marketer (whom the
application API's policy then knows as a marketer caller).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
from fastapi import FastAPI, Request  # noqa: E402
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response  # noqa: E402

from assistant import AssistantAPI, Settings  # noqa: E402
from assistant.http import create_app, state_of  # noqa: E402
from ui.chat import CONCURRENCY, build_chat  # noqa: E402
from ui.gradio_guard import guard_mounted  # noqa: E402
from ui.look import head, theme  # noqa: E402
from ui.workspace import build_workspace  # noqa: E402

STATIC_DIR = Path(__file__).with_name("static")
CACHE_A_DAY = {"Cache-Control": "public, max-age=86400"}


def create_server(settings: Settings | None = None, assistant: AssistantAPI | None = None) -> FastAPI:
    """The whole service: the API, the pages, the widget and the Gradio apps."""
    settings = settings or Settings()
    app = create_app(settings, assistant)
    install_pages(app)
    mount_ui(app, settings)
    return app


def install_pages(app: FastAPI) -> None:
    """The landing page, the widget script (loadable from any shop origin) and the widget's demo page."""

    @app.get("/", include_in_schema=False)
    async def landing() -> HTMLResponse:
        return HTMLResponse((STATIC_DIR / "index.html").read_text(encoding="utf-8"))

    @app.get("/widget.js", include_in_schema=False)
    async def widget_js() -> FileResponse:
        return FileResponse(
            STATIC_DIR / "widget.js",
            media_type="application/javascript",
            headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
        )

    @app.get("/favicon.ico", include_in_schema=False)
    @app.get("/favicon.svg", include_in_schema=False)
    async def favicon() -> FileResponse:  # browsers ask every page's origin for /favicon.ico
        return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml", headers=CACHE_A_DAY)

    @app.get("/widget-demo", include_in_schema=False)
    async def widget_demo() -> HTMLResponse:
        return HTMLResponse((STATIC_DIR / "widget-demo.html").read_text(encoding="utf-8"))


def mount_ui(app: FastAPI, settings: Settings) -> None:
    """Mount the chat page at /chat and the workspace (marketers only) at /workspace on the FastAPI `app`."""
    state = state_of(app)
    auth = state.auth

    def marketer_name(request: Any) -> str | None:
        marketer = auth.marketer_from_request(request)
        return marketer.username if marketer else None

    @app.middleware("http")
    async def guard_workspace(request: Request, call_next: Callable[[Request], Any]) -> Response:
        path = request.url.path
        if (path == "/workspace" or path.startswith("/workspace/")) and marketer_name(request) is None:
            if request.method == "GET" and path in ("/workspace", "/workspace/"):
                return RedirectResponse("/login?next=/workspace/", status_code=303)
            return JSONResponse({"error": "marketer login required"}, status_code=401)
        return await call_next(request)

    get_api = state.holder.get
    chat = build_chat(get_api, getattr(app.state, "session_limiter", None)).queue(
        default_concurrency_limit=CONCURRENCY
    )
    workspace = build_workspace(get_api).queue(default_concurrency_limit=CONCURRENCY)
    look = {"theme": theme(), "head": head()}
    # show_error=False: an unexpected error's text (object reprs, handler names, versions) stays in the log.
    gr.mount_gradio_app(app, chat, path="/chat", ssr_mode=False, footer_links=[], show_error=False, **look)
    gr.mount_gradio_app(
        app,
        workspace,
        path="/workspace",
        ssr_mode=False,
        footer_links=[],
        **look,
        auth_dependency=marketer_name,
        allowed_paths=[str(settings.artifacts_dir)],
        show_error=False,
        max_file_size=settings.limits.max_upload_bytes,
    )
    guard_mounted(app, "/chat", chat, uploads=False)  # the customer chat takes no files: no anonymous hosting
    guard_mounted(app, "/workspace", workspace, uploads=True)
