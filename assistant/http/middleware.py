"""HTTP protections for the FastAPI app: one call, `install_protections(app, settings)`.

What it installs, outermost first:

1. CORS limited to `settings.cors_origins` (so even a 413 or 429 carries the headers a browser needs to read it), the
   one CORS policy of the server: CORS headers set by a mounted app (Gradio answers any localhost origin, and any
   origin off loopback, with credentials) are dropped, unless they declare a public resource (`*`, no credentials).
2. `ProtectionMiddleware` (pure ASGI, around the whole stack, so it also covers a mounted Gradio app, other
   middleware's own responses and streamed responses):
   - a per-client-address rate limit (`settings.limits.rate_per_minute_client`) on every path, mounted apps included
     -> 429 with Retry-After; a GET of a bundled asset (a path with an `assets` or `static` folder: one Gradio page load
     fetches dozens of them) counts against a bucket of its own, ASSET_RATE_FACTOR times larger. What a path ends
     with never matters: "/chat/gradio_api/run/x.js" is an API call;
   - a body size limit checked on Content-Length before reading and again on the bytes actually streamed (a client can
     lie or send chunked) -> 413; `max_body_bytes` for everything but multipart uploads, which get `max_upload_bytes`;
   - for JSON (and text) bodies: strict UTF-8, no NUL bytes, nesting depth at most `MAX_JSON_DEPTH`, valid JSON, and
     no string in it holding a lone surrogate or a NUL (valid JSON can carry ``"\ud800"``; it is not text) -> 400;
   - a state-changing request with the marketer's session cookie from another origin (`assistant.http.csrf`) -> 403;
   - a customer token in the query string -> 400 saying to use the X-Customer-Token header (URLs end up in logs);
   - a URL whose path or query decodes to invalid UTF-8 or holds control characters -> 400;
   - security headers on every response (CSP that the Gradio pages and the widget work under, nosniff, Referrer-Policy,
     Permissions-Policy, and X-Frame-Options / frame-ancestors except on the frameable widget pages);
   - any exception that escapes the app: logged (redacted, with traceback) and answered 500 {"error": "internal error"}.
3. Exception handlers mapping `AssistantError` to {"error": message} with its status (and Retry-After on 429/503),
   a backend that is down (generation's `BackendUnavailable`, retrieval's `IndexUnavailable`) to 503 + Retry-After
   with an offer of a person, validation errors to a readable 422 (400 for unparseable JSON) and HTTP errors to
   {"error": detail}.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.cors import CORSMiddleware

from assistant.errors import AssistantError, RateLimited
from assistant.http.auth import SESSION_COOKIE
from assistant.http.csrf import csrf_problem
from assistant.http.input_guard import (
    MAX_JSON_DEPTH,
    credential_in_query,
    json_depth_exceeds,
    json_text_problem,
    url_problem,
)
from assistant.http.ratelimit import Limiter, RateLimiter, make_limiter
from assistant.logging_setup import RedactingFilter

log = logging.getLogger("assistant.http")
log.addFilter(RedactingFilter())  # tracebacks can hold request data: redact before any handler sees them

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Pages under these prefixes may be framed by the shop origins in `cors_origins` (the embeddable widget and its demo).
FRAMEABLE_PREFIXES: tuple[str, ...] = ("/widget", "/demo/widget")
# Folders of bundled files (Gradio's scripts, styles and fonts; the pages' own): the first two segments of the path.
_ASSET_FOLDERS = frozenset({"assets", "static"})
# A page load fetches dozens of assets: they have their own bucket, this many times the per-address limit.
ASSET_RATE_FACTOR = 10

# Gradio's pages run inline bootstrap scripts and compile user JS with `new Function`, hence unsafe-inline/-eval for
# scripts; everything is served by this server itself (no CDN), so 'self' is the only origin allowed anywhere.
_CSP_BASE = (
    "default-src 'self'; "
    "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; "
    "font-src 'self' data:; "
    "media-src 'self' data: blob:; "
    "connect-src 'self'; "
    "worker-src 'self' blob:; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'"
)


def json_error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error body of the API: {"error": message}."""
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def is_asset_request(method: str, path: str) -> bool:
    """A read of a bundled asset: GET or HEAD under an `assets` or `static` folder ("/assets/x.js",
    "/chat/static/fonts/y.woff2"). Never by suffix: "/chat/gradio_api/run/x.js" and "/docs/a.csv%23.js" are not."""
    if method not in ("GET", "HEAD"):
        return False
    segments = [s for s in path.split("/")[1:3]]
    return any(s in _ASSET_FOLDERS for s in segments)


class _Rejected(StarletteHTTPException):
    """A request refused by the middleware before or while its body was read.

    An HTTPException, so that FastAPI passes it through untouched when it surfaces inside the app's body parsing
    (FastAPI turns any other exception there into a vague 400).
    """

    def __init__(self, status: int, message: str):
        super().__init__(status_code=status, detail=message)
        self.status = status
        self.message = message


class ProtectionMiddleware:
    """Rate limit, body limits, JSON guard, security headers and a last-resort 500 for any ASGI app."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_upload_bytes: int,
        limiter: Limiter | None,
        asset_limiter: Limiter | None = None,
        frame_origins: Iterable[str] = (),
        frameable_prefixes: Iterable[str] = FRAMEABLE_PREFIXES,
        max_json_depth: int = MAX_JSON_DEPTH,
        session_cookie: str = "mka_session",
    ):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max(max_upload_bytes, max_body_bytes)
        self.limiter = limiter
        self.asset_limiter = asset_limiter
        self.frameable_prefixes = tuple(frameable_prefixes)
        self.max_json_depth = max_json_depth
        self.session_cookie = session_cookie
        origins = " ".join(o for o in frame_origins if o and o != "*")
        self._csp_page = f"{_CSP_BASE}; frame-ancestors 'none'"
        self._csp_frameable = f"{_CSP_BASE}; frame-ancestors 'self'{' ' + origins if origins else ''}"

    # ------------------------------------------------------------------------------------------------------ ASGI
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        started = finished = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started, finished
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = self._with_security_headers(scope, list(message.get("headers", [])))
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                finished = True
            await send(message)

        try:
            self._count(scope)
            bad_url = url_problem(scope)
            if bad_url:
                raise _Rejected(400, bad_url)
            forged = csrf_problem(scope, self.session_cookie)
            if forged:
                raise _Rejected(403, forged)
            if credential_in_query(scope.get("query_string", b"")):
                raise _Rejected(
                    400,
                    "customer tokens are not accepted in the URL (it ends up in logs and browser history): "
                    "send it in the X-Customer-Token header",
                )
            receive = await self._guard_body(scope, receive)
            await self.app(scope, receive, send_with_headers)
        except RateLimited as exc:
            if started:
                raise
            log.warning("rate limited %s %s: %s", scope.get("method"), path, exc.message)
            response = json_error(429, exc.message, {"Retry-After": str(exc.retry_after)})
            await response(scope, receive, send_with_headers)
        except _Rejected as exc:
            if started:
                raise
            log.info("rejected %s %s: %d %s", scope.get("method"), path, exc.status, exc.message)
            await json_error(exc.status, exc.message)(scope, receive, send_with_headers)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), path)
            if finished:  # an inner error handler already answered (and re-raised only to report it): done
                return
            if started:  # the status line is gone: end the stream abruptly rather than pretend it completed
                raise
            await json_error(500, "internal error")(scope, receive, send_with_headers)

    def _count(self, scope: Scope) -> None:
        """One hit for the client's address on every request (RateLimited -> 429), assets in their own bucket."""
        client = scope.get("client")
        key = client[0] if client else "unknown"
        if is_asset_request(scope.get("method", ""), scope.get("path", "")):
            if self.asset_limiter is not None:
                self.asset_limiter.hit(key)
        elif self.limiter is not None:
            self.limiter.hit(key)

    # ------------------------------------------------------------------------------------------------ the body
    async def _guard_body(self, scope: Scope, receive: Receive) -> Receive:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        is_upload = content_type.startswith("multipart/")
        limit = self.max_upload_bytes if is_upload else self.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                raise _Rejected(400, "invalid Content-Length header")
            if int(declared) > limit:
                raise _Rejected(413, f"request body too large: {int(declared)} bytes, the limit is {limit}")
        has_body = (declared is not None and int(declared) > 0) or "chunked" in headers.get(
            "transfer-encoding", ""
        )
        if not has_body:
            return receive
        if is_upload:
            return self._counting_receive(receive, limit)
        # Small bodies: read them whole (bounded by the limit), check them, then replay them to the app.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return _replay_then(receive, [message])
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _Rejected(413, f"request body too large: more than {limit} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        self._check_text_body(content_type, body)
        return _replay_then(receive, [{"type": "http.request", "body": body, "more_body": False}])

    def _check_text_body(self, content_type: str, body: bytes) -> None:
        is_json = content_type in ("application/json", "") or content_type.endswith("+json")
        if not (is_json or content_type.startswith("text/")):
            return
        if content_type == "" and body.lstrip()[:1] not in (b"{", b"["):
            return  # unlabelled and not JSON-looking: leave it to the endpoint
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _Rejected(400, f"request body is not valid UTF-8 (byte {exc.start})") from exc
        if "\x00" in text:
            raise _Rejected(400, "request body contains NUL bytes (binary data is not accepted here)")
        if not is_json or not text.strip():
            return
        if json_depth_exceeds(text, self.max_json_depth):
            raise _Rejected(400, f"JSON nested too deeply (at most {self.max_json_depth} levels)")
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise _Rejected(400, f"request body is not valid JSON: {exc}") from exc
        problem = json_text_problem(parsed)
        if problem:
            raise _Rejected(400, f"request body refused: {problem}")

    def _counting_receive(self, receive: Receive, limit: int) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _Rejected(413, f"upload too large: more than {limit} bytes")
            return message

        return counted

    # --------------------------------------------------------------------------------------------- the headers
    def _with_security_headers(
        self, scope: Scope, headers: list[tuple[bytes, bytes]]
    ) -> list[tuple[bytes, bytes]]:
        headers = without_foreign_cors(headers)
        present = {k.lower() for k, _ in headers}
        frameable = scope.get("path", "").startswith(self.frameable_prefixes)
        wanted = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
            (b"content-security-policy", (self._csp_frameable if frameable else self._csp_page).encode()),
        ]
        if not frameable:
            wanted.append((b"x-frame-options", b"DENY"))
        if scope.get("scheme") == "https":
            wanted.append((b"strict-transport-security", b"max-age=31536000"))
        return headers + [(k, v) for k, v in wanted if k not in present]


def without_foreign_cors(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The response headers without the CORS headers an inner app set, so that the outer CORS policy alone decides;
    a public resource's `Access-Control-Allow-Origin: *` without credentials is kept (the widget script)."""
    cors = {k.lower(): v for k, v in headers if k.lower().startswith(b"access-control-")}
    if not cors:
        return headers
    public = (
        cors.get(b"access-control-allow-origin") == b"*" and b"access-control-allow-credentials" not in cors
    )
    return [(k, v) for k, v in headers if public or not k.lower().startswith(b"access-control-")]


def _replay_then(receive: Receive, messages: list[Message]) -> Receive:
    """A receive that first returns `messages`, then defers to the real one (so disconnects still arrive)."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


# -------------------------------------------------------------------------------------------- exception handlers
def _retry_headers(exc: Exception) -> dict[str, str] | None:
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is None and getattr(exc, "status_code", 0) == 503:
        retry_after = 30
    return {"Retry-After": str(int(retry_after))} if retry_after is not None else None


async def _assistant_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AssistantError)
    status = exc.status_code
    if status >= 500:
        log.error("%s: %s", type(exc).__name__, exc.message)
    return json_error(status, exc.message, _retry_headers(exc))


def describe_validation_errors(errors: Iterable[dict[str, Any]]) -> str:
    """One readable line from pydantic/FastAPI validation errors: 'body.message: Field required; ...'."""
    parts = []
    for error in errors:
        loc = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{loc}: {error.get('msg', 'invalid')}")
    return "; ".join(parts[:10]) or "invalid request"


BACKEND_RETRY_AFTER_S = 15
UNAVAILABLE_TEXT = (
    "The assistant is temporarily unavailable ({what}). Please try again in {retry} seconds, or ask for a person: "
    "leave your contact and our team will get back to you."
)


async def _backend_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    # generation/ and retrieval/ cannot raise assistant errors (data flows one way); their "backend down" errors land
    # here when the turn loop lets them through. The detail (host, port) goes to the log, not to the caller.
    what = (
        "its search index is not answering"
        if type(exc).__module__.startswith("retrieval")
        else ("its language model is not answering")
    )
    log.error("backend unavailable: %s", exc)
    retry = int(getattr(exc, "retry_after", None) or BACKEND_RETRY_AFTER_S)  # a full model queue says when
    message = UNAVAILABLE_TEXT.format(what=what, retry=retry)
    return json_error(503, message, {"Retry-After": str(retry)})


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        return json_error(400, "request body is not valid JSON: " + describe_validation_errors(errors))
    return json_error(422, describe_validation_errors(errors))


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    return json_error(exc.status_code, str(exc.detail), headers or None)


async def _unexpected_error(_request: Request, _exc: Exception) -> JSONResponse:
    # Starlette's error middleware answers with this, then re-raises: ProtectionMiddleware (outside it) logs the error.
    return json_error(500, "internal error")


def _backend_unavailable_errors() -> list[type[Exception]]:
    from generation import BackendUnavailable
    from retrieval import IndexUnavailable

    return [BackendUnavailable, IndexUnavailable]


def install_protections(
    app: FastAPI, settings: Any, *, frameable_prefixes: Iterable[str] = FRAMEABLE_PREFIXES
) -> None:
    """Install rate limits, body guards, security headers, CORS and the error handlers on `app` (call once).

    The protections wrap the whole middleware stack, whenever and in whatever order other middleware is added: a
    redirect or 401 from an app's own middleware, and a 500 from Starlette's error middleware, still get the headers.
    """
    limits = settings.limits
    # Per process, and in the database too when several servers share it (see assistant.http.ratelimit).
    limiter = make_limiter(
        settings, "client", limits.rate_per_minute_client, what="requests from this address"
    )
    app.state.client_limiter = limiter
    asset_limiter = RateLimiter(
        limits.rate_per_minute_client * ASSET_RATE_FACTOR, 60, what="asset requests from this address"
    )
    # Per conversation: the chat endpoint calls `app.state.session_limiter.hit(session_id)` for a continued session.
    app.state.session_limiter = make_limiter(
        settings, "session", limits.rate_per_minute_session, what="messages in this conversation"
    )
    # Per address, for password logins (pages.py): slow hashes make a guessing flood a CPU flood too.
    app.state.login_limiter = RateLimiter(
        limits.rate_per_minute_login, 60, what="login attempts from this address"
    )
    app.add_exception_handler(AssistantError, _assistant_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for backend_error in _backend_unavailable_errors():
        app.add_exception_handler(backend_error, _backend_unavailable)
    app.add_exception_handler(Exception, _unexpected_error)
    inner_build = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        protected = ProtectionMiddleware(
            inner_build(),
            max_body_bytes=limits.max_body_bytes,
            max_upload_bytes=limits.max_upload_bytes,
            limiter=limiter,
            asset_limiter=asset_limiter,
            frame_origins=settings.cors_origins,
            frameable_prefixes=frameable_prefixes,
            session_cookie=SESSION_COOKIE,
        )
        # Outermost: error responses from the protections still carry CORS headers, so a widget can read them.
        return CORSMiddleware(
            protected,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key", "X-Customer-Token", "X-Session-Id"],
            expose_headers=["Retry-After"],
            allow_credentials=False,
            max_age=600,
        )

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]
