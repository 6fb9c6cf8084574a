"""The HTTP service: the JSON/SSE API under /v1, the login, the demo documents, the widget and the Gradio pages.

`create_app(settings, assistant)` builds the whole FastAPI app; `mka serve` runs it with uvicorn. Generation is
synchronous and CPU-bound, so every turn runs in a worker thread and its events are forwarded to the SSE response
through an asyncio queue: a slow client or a long answer never blocks the event loop or other sessions.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import inspect
import json
import logging
import os
import re
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sse_starlette.sse import EventSourceResponse

from assistant.http.auth import SESSION_COOKIE, SESSION_TTL_S, Authenticator
from assistant.errors import (
    AssistantError,
    BadInput,
    ConfigError,
    Forbidden,
    NotTrained,
    Unauthorized,
    Unavailable,
)
from assistant.conversation.reply import Caller, Reply
from assistant.settings import REPO_ROOT, Settings
from assistant.http import docs_view

log = logging.getLogger(__name__)

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

STATIC_DIR = REPO_ROOT / "ui" / "static"
# Turns run here; more concurrent sessions than workers wait in line instead of thrashing two CPU cores.
TURN_WORKERS = 16
UPLOAD_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".txt", ".pdf", ".csv", ".json")
_END = object()


# ------------------------------------------------------------------------------------------------------ request bodies
class ChatRequest(BaseModel):
    message: str = Field(description="What the user asks.")
    session_id: str | None = Field(default=None, description="Continue this conversation; omit to start one.")
    stream: bool = Field(
        default=True, description="Server-sent events (token, citation, tool_call, done) or one Reply."
    )
    customer_token: str | None = Field(default=None, description="The shop-signed customer token, if any.")


class CopyRequest(BaseModel):
    skus: list[str] = Field(min_length=1, description="Products the copy is about.")
    channel: str = Field(description="google-rsa | meta | email | sms | x (generation/channels.yaml)")
    variants: int = Field(default=3, ge=1, le=10)
    brief_id: str | None = Field(default=None, description="A campaign brief, e.g. 'winter-trail-2026'.")
    segment: str | None = Field(default=None, description="The customer segment the copy is for.")


class FeedbackRequest(BaseModel):
    session_id: str
    turn_id: int
    rating: Literal[1, -1]
    comment: str | None = Field(default=None, max_length=2000)


class HandoffRequest(BaseModel):
    session_id: str
    contact: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=2000)


class LoginRequest(BaseModel):
    username: str
    password: str


# ---------------------------------------------------------------------------------------------------- the assistant
class AssistantHolder:
    """Builds the real `Assistant` once (on first need, or at start-up) unless one was given."""

    def __init__(self, settings: Settings, assistant: Any | None):
        self.settings = settings
        self._assistant = assistant
        self._lock = threading.Lock()
        self._warm = assistant is not None

    @property
    def ready(self) -> bool:
        return self._assistant is not None and self._warm

    def warm_up(self) -> None:
        """Build the assistant and load its models now (the first customer should not wait for them).

        A backend that is down at start-up (a Chroma or LLM server) must not stop the service from starting: the
        failure is logged, `/healthz` reports `ready: false`, and requests that need the backend answer 503 until it
        is back.
        """
        try:
            bot = self.get()
            if callable(getattr(bot, "warm_up", None)):
                bot.warm_up()
            self._warm = True
        except Exception:
            log.exception(
                "warm-up failed; starting anyway (requests needing the failed backend will get 503)"
            )

    def get(self) -> Any:
        if self._assistant is None:
            with self._lock:
                if self._assistant is None:
                    from assistant.conversation.agent import Assistant  # heavy: models load here

                    self._assistant = Assistant.from_settings(self.settings)
        return self._assistant


def tool_context(assistant: Any, caller: Caller, session_id: str | None = None) -> Any:
    """A `ToolContext` for `caller`, with the services the assistant wires for its own tools."""
    from assistant.tools import ToolContext

    make = getattr(assistant, "tool_context", None)
    if callable(make):
        return make(caller, session_id)
    return ToolContext(
        role=caller.role,
        customer_id=caller.customer_id,
        session_id=session_id,
        services=dict(getattr(assistant, "services", {}) or {}),
    )


def run_tool(assistant: Any, caller: Caller, name: str, args: dict[str, Any]) -> Any:
    """Run one tool by name through its own role check and argument validation."""
    from assistant.tools import all_tools

    tool = all_tools().get(name)
    if tool is None:
        raise Unavailable(f"the {name} tool is not installed on this server", retry_after=60)
    return tool.run(tool_context(assistant, caller), args)


def _jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses

        return _jsonable(dataclasses.asdict(value))
    return value


# ----------------------------------------------------------------------------------------------------- SSE streaming
async def _stream_events(
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


def _sse(event: Any) -> dict[str, str]:
    kind = event.type
    if kind == "token":
        data: Any = {"text": event.text}
    elif kind == "citation":
        data = event.citation.model_dump(mode="json")
    elif kind == "tool_call":
        data = event.tool_call.model_dump(mode="json")
    else:
        data = event.reply.model_dump(mode="json")
    return {"event": kind, "data": json.dumps(data, ensure_ascii=False)}


def _error_body(exc: BaseException) -> tuple[int, dict[str, Any], dict[str, str]]:
    if isinstance(exc, AssistantError):
        headers = {}
        retry = getattr(exc, "retry_after", None)
        if retry is not None:
            headers["Retry-After"] = str(int(retry))
        return exc.status_code, {"error": exc.message}, headers
    log.error("unexpected error", exc_info=exc)
    return 500, {"error": "internal error; the server log has the details"}, {}


# -------------------------------------------------------------------------------------------------------- the app
def create_app(
    settings: Settings | None = None, assistant: Any | None = None, *, with_ui: bool = True
) -> FastAPI:
    """The whole service. `assistant` defaults to `Assistant.from_settings(settings)`, built at start-up."""
    settings = settings or Settings()
    holder = AssistantHolder(settings, assistant)
    auth = Authenticator(settings)
    executor = ThreadPoolExecutor(max_workers=TURN_WORKERS, thread_name_prefix="turn")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.marketer_password_hash is None:
            log.warning("marketer login uses the demo password 'demo': set MKA_MARKETER_PASSWORD_HASH")
        # Load the models before accepting traffic, so the first customer does not wait for them.
        await asyncio.get_running_loop().run_in_executor(executor, holder.warm_up)
        yield
        executor.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="Marketing assistant API",
        version="0.1.0",
        description="Grounded customer chat (SSE), recommendations, segments, ad copy, feedback and handoff.",
        lifespan=lifespan,
        docs_url=None,  # served below from local files: FastAPI's default page loads Swagger UI from a CDN
        redoc_url=None,
    )
    _install_api_docs(app)
    app.state.settings = settings
    app.state.holder = holder
    app.state.auth = auth

    # --- errors: a JSON body with a message, never a traceback
    @app.exception_handler(AssistantError)
    async def _assistant_error(request: Request, exc: AssistantError) -> JSONResponse:
        status, body, headers = _error_body(exc)
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'body'}: {e.get('msg')}"
            for e in exc.errors()
        )
        return JSONResponse({"error": f"invalid request: {problems}"}, status_code=422)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        status, body, headers = _error_body(exc)
        return JSONResponse(body, status_code=status, headers=headers)

    try:  # body limits, security headers, CORS, error mapping (the security room's middleware)
        from assistant.http.middleware import install_protections
    except ModuleNotFoundError as exc:
        if exc.name != "assistant.http.middleware":
            raise
        _install_cors(app, settings)
    else:
        install_protections(app, settings)

    # --- chat
    @app.post("/v1/chat", tags=["chat"], response_model=Reply)
    async def chat(body: ChatRequest, request: Request) -> Any:
        """One turn. With `stream` (default) the answer comes as SSE events `token`, `citation`, `tool_call` and a last
        `done` carrying the whole Reply; with `stream=false` the Reply is returned as JSON."""
        message = body.message.strip()
        if not message:
            raise BadInput("the message is empty")
        if len(message) > settings.limits.max_message_chars:
            raise BadInput(f"the message is longer than {settings.limits.max_message_chars} characters")
        caller = auth.caller(request, body.customer_token)
        limiter = getattr(app.state, "session_limiter", None)  # installed by install_protections
        if body.session_id and limiter is not None:
            limiter.hit(body.session_id)  # RateLimited -> 429 with Retry-After
        bot = holder.get()
        if not body.stream:
            loop = asyncio.get_running_loop()
            reply = await loop.run_in_executor(
                executor, lambda: bot.turn(message, caller, session_id=body.session_id)
            )
            return reply
        first, queue, stop = await _stream_events(
            executor, lambda: bot.stream_turn(message, caller, session_id=body.session_id)
        )
        if isinstance(first, BaseException):
            raise first

        async def events() -> AsyncIterator[dict[str, str]]:
            item = first
            try:
                while item is not _END:
                    if isinstance(item, BaseException):
                        status, payload, _ = _error_body(item)
                        yield {"event": "error", "data": json.dumps({**payload, "status": status})}
                    else:
                        yield _sse(item)
                    item = await queue.get()
            finally:
                stop.set()

        return EventSourceResponse(
            events(), ping=15, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        )

    # --- marketer tools
    def marketer_caller(request: Request) -> Caller:
        auth.require_marketer(request)
        return Caller(role="marketer", client=request.client.host if request.client else None)

    async def in_worker(fn: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(executor, fn)

    @app.post("/v1/copy", tags=["marketer"])
    async def draft_copy(body: CopyRequest, request: Request) -> Any:
        """Ad-copy drafts for products on one channel (marketer only)."""
        caller = marketer_caller(request)
        args = body.model_dump(exclude_none=True)
        return _jsonable(await in_worker(lambda: run_tool(holder.get(), caller, "draft_copy", args)))

    @app.get("/v1/customers/{customer_id}/recommendations", tags=["marketer"])
    async def recommendations(
        customer_id: str, request: Request, k: int = 5, customer_token: str | None = None
    ) -> Any:
        """Recommended products with reasons: for a marketer, or for the customer themselves with a valid token
        (query `customer_token` or header `X-Customer-Token`)."""
        if not 1 <= k <= 50:
            raise BadInput("k must be between 1 and 50")
        if auth.marketer_from_request(request) is not None:
            caller = Caller(role="marketer")
        else:
            token = customer_token or request.headers.get("x-customer-token")
            if not token:
                raise Unauthorized("send a marketer API key, or the customer's own token")
            if auth.customer_id(token) != customer_id:
                raise Forbidden("a customer may only see their own recommendations")
            caller = Caller(role="customer", customer_id=customer_id)
        args = {"customer_id": customer_id, "k": k}
        return _jsonable(await in_worker(lambda: run_tool(holder.get(), caller, "recommend_products", args)))

    @app.get("/v1/segments", tags=["marketer"])
    async def segments(request: Request) -> Any:
        """Every customer segment with its size and profile (marketer only)."""
        caller = marketer_caller(request)
        return _jsonable(await in_worker(lambda: run_tool(holder.get(), caller, "list_segments", {})))

    @app.get("/v1/segments/plot.png", tags=["marketer"], response_class=FileResponse)
    async def segments_plot(request: Request) -> FileResponse:
        """The segment plot (recency vs frequency by segment, segment sizes) drawn at training time (marketer only)."""
        auth.require_marketer(request)
        path = settings.artifacts_dir / "segments.png"
        if not path.is_file():
            raise NotTrained(
                "no segment plot yet: train the models with `mka model train` (or start with `make run`)"
            )
        return FileResponse(path, media_type="image/png", headers={"Cache-Control": "no-store"})

    @app.get("/v1/segments/{name}", tags=["marketer"])
    async def segment(name: str, request: Request) -> Any:
        """One segment's profile: size, RFM means, top categories (marketer only)."""
        caller = marketer_caller(request)
        return _jsonable(
            await in_worker(lambda: run_tool(holder.get(), caller, "segment_profile", {"segment": name}))
        )

    # --- feedback and handoff
    @app.post("/v1/feedback", tags=["chat"])
    async def feedback(body: FeedbackRequest) -> Any:
        """Thumbs up (1) or down (-1) on one turn of a session."""
        store = holder.get().store
        await in_worker(lambda: store.add_feedback(body.session_id, body.turn_id, body.rating, body.comment))
        return {"ok": True}

    @app.post("/v1/handoff", tags=["chat"])
    async def handoff(body: HandoffRequest) -> Any:
        """Ask for a person: the session is queued for the shop's staff with the contact given."""
        store = holder.get().store
        reason = (body.reason or "").strip() or "asked to talk to a person"
        handoff_id = await in_worker(lambda: store.add_handoff(body.session_id, body.contact, reason))
        return {"ok": True, "handoff_id": handoff_id}

    # --- documents
    @app.post("/v1/documents", tags=["marketer"])
    async def upload_document(request: Request, file: UploadFile = File(...)) -> Any:
        """Upload a document (Markdown, HTML, text, PDF, CSV or JSON catalog); it is saved and indexed at once."""
        auth.require_marketer(request)
        limit = settings.limits.max_upload_bytes
        data = await file.read(limit + 1)
        name = file.filename or ""
        return await in_worker(lambda: save_and_ingest(holder.get(), settings, name, data))

    @app.get("/docs/{path:path}", include_in_schema=False)
    async def show_document(path: str) -> Response:
        """A demo or uploaded document, rendered for people (citations link here)."""
        file = docs_view.resolve(path, [settings.demo_dir, settings.data_dir / "uploads"])
        return docs_view.render(file, path)

    # --- marketer login
    @app.get("/login", include_in_schema=False)
    async def login_page(next: str = "/workspace/", error: str = "") -> HTMLResponse:
        return HTMLResponse(_login_html(_safe_next(next), error))

    @app.post("/login", include_in_schema=False)
    async def login_form(
        username: str = Form(""), password: str = Form(""), next: str = Form("/workspace/")
    ) -> Response:
        target = _safe_next(next)
        if not auth.check_password(username, password):
            return HTMLResponse(_login_html(target, "Wrong user name or password."), status_code=401)
        response = RedirectResponse(target, status_code=303)
        _set_session(response, auth.issue_session(username))
        return response

    @app.post("/v1/login", tags=["marketer"])
    async def login_json(body: LoginRequest) -> Any:
        """Log a marketer in; the answer sets the session cookie the workspace uses."""
        if not auth.check_password(body.username, body.password):
            raise Unauthorized("wrong user name or password")
        response = JSONResponse({"ok": True, "username": body.username})
        _set_session(response, auth.issue_session(body.username))
        return response

    @app.api_route("/logout", methods=["GET", "POST"], include_in_schema=False)
    async def logout() -> Response:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # --- pages
    @app.get("/healthz", tags=["ops"])
    async def healthz() -> Any:
        """Liveness and readiness: `ready` is true once the models are loaded."""
        return {"status": "ok", "ready": holder.ready}

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

    @app.get("/widget-demo", include_in_schema=False)
    async def widget_demo() -> HTMLResponse:
        return HTMLResponse((STATIC_DIR / "widget-demo.html").read_text(encoding="utf-8"))

    # The workspace is for marketers only: page loads go to the login, anything else gets a 401.
    @app.middleware("http")
    async def guard_workspace(request: Request, call_next: Callable[[Request], Any]) -> Response:
        path = request.url.path
        if (path == "/workspace" or path.startswith("/workspace/")) and auth.marketer_from_request(
            request
        ) is None:
            if request.method == "GET" and path in ("/workspace", "/workspace/"):
                return RedirectResponse("/login?next=/workspace/", status_code=303)
            return JSONResponse({"error": "marketer login required"}, status_code=401)
        return await call_next(request)

    if with_ui:
        from ui.app import mount_ui

        mount_ui(app, settings, holder.get, auth)
    return app


def save_and_ingest(assistant: Any, settings: Settings, filename: str, data: bytes) -> dict[str, Any]:
    """Check an uploaded document (type, size, not empty), save it under `<data_dir>/uploads` and index it.

    Shared by `POST /v1/documents` and the workspace's Documents tab; raises BadInput with the reason.
    """
    name = Path(filename or "").name
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", name).lstrip(".")
    if not safe or Path(safe).suffix.lower() not in UPLOAD_SUFFIXES:
        raise BadInput(
            f"unsupported file type {Path(name).suffix or '(none)'!r}: use one of {', '.join(UPLOAD_SUFFIXES)}"
        )
    limit = settings.limits.max_upload_bytes
    if len(data) > limit:
        raise BadInput(f"the file is larger than {limit} bytes")
    if not data.strip():
        raise BadInput("the file is empty")
    uploads = settings.data_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    target = uploads / safe
    target.write_bytes(data)
    report = _ingest(assistant, settings, target)
    return {"saved": safe, "bytes": len(data), "url": f"/docs/{safe}", "ingest": _jsonable(report)}


def _ingest(assistant: Any, settings: Settings, path: Path) -> Any:
    services = getattr(assistant, "services", None) or {}
    kb = services.get("kb") if hasattr(services, "get") else None
    kb = kb or getattr(assistant, "kb", None)
    if kb is None:
        from retrieval import KnowledgeBase

        kb = KnowledgeBase.open(settings.retrieval, settings.chroma_path)
    try:
        quiet = "progress" in inspect.signature(kb.sync).parameters  # no progress bars in a server log
        report = kb.sync([path], progress=False) if quiet else kb.sync([path])
    except AssistantError:
        raise
    except Exception as exc:
        # retrieval's own errors (a PDF it cannot read, say) carry a message meant for the uploader
        if type(exc).__module__.startswith("retrieval"):
            raise BadInput(f"could not index {path.name}: {exc}") from exc
        raise
    failed = getattr(report, "failed", None) or []
    if failed:
        path.unlink(
            missing_ok=True
        )  # an unreadable upload is not kept as if it were part of the shop's documents
        raise BadInput(f"could not index {path.name}: {failed[0][1]}")
    return report


def _install_api_docs(app: FastAPI) -> None:
    """The OpenAPI page at /docs with Swagger UI 5 from the `swagger-ui-py` package (OpenAPI 3.1; works offline)."""
    import importlib.util

    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the swagger-ui-py package is missing: reinstall with `make install`")
    assets = Path(spec.submodule_search_locations[0]) / "static"
    app.mount("/api-docs-assets", StaticFiles(directory=assets), name="api-docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - docs",
            swagger_js_url="/api-docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/api-docs-assets/swagger-ui.css",
            swagger_favicon_url="/api-docs-assets/favicon-32x32.png"
            if (assets / "favicon-32x32.png").is_file()
            else "",
        )


def _install_cors(app: FastAPI, settings: Settings) -> None:
    from fastapi.middleware.cors import CORSMiddleware

    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Content-Type", "Authorization", "X-Customer-Token"],
        allow_credentials=False,
    )


def _set_session(response: Response, value: str) -> None:
    response.set_cookie(SESSION_COOKIE, value, max_age=SESSION_TTL_S, httponly=True, samesite="lax", path="/")


def _safe_next(target: str) -> str:
    """Only same-site paths: an open redirect would let a phishing link borrow our login page."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/workspace/"
    return target


def _login_html(next_path: str, error: str) -> str:
    err = f'<p class="err">{html.escape(error)}</p>' if error else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Marketer login</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>body{{font:16px system-ui,sans-serif;background:#f4f6f5;display:grid;place-items:center;min-height:100vh;margin:0}}
form{{background:#fff;padding:2rem;border-radius:12px;box-shadow:0 2px 12px #0002;min-width:300px}}
label{{display:block;margin:.8rem 0 .2rem}}input{{width:100%;padding:.5rem;box-sizing:border-box}}
button{{margin-top:1.2rem;width:100%;padding:.6rem;background:#0b6e4f;color:#fff;border:0;border-radius:6px;font-size:1rem}}
.err{{color:#b00020}}</style></head><body>
<form method="post" action="/login"><h1>Marketer workspace</h1>{err}
<input type="hidden" name="next" value="{html.escape(next_path)}">
<label for="username">User name</label><input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button></form></body></html>"""
