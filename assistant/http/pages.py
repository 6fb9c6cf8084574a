"""Pages for people: the rendered shop documents (every citation links here), the marketer login, health, and the
OpenAPI page served from local files (FastAPI's default page loads Swagger UI from a CDN)."""

from __future__ import annotations

import html
import importlib.util
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from assistant.errors import ConfigError, Unauthorized
from assistant.http import docs_view, product_page
from assistant.http.auth import SESSION_COOKIE, SESSION_TTL_S, came_over_https, not_local_because
from assistant.http.schemas import LoginRequest
from assistant.http.state import app_state, client_of

router = APIRouter()
router.include_router(product_page.router)  # /docs/products/<SKU> first: /docs/{path} below would take it


@router.get("/docs/{path:path}", include_in_schema=False)
async def show_document(path: str, request: Request) -> Response:
    """A demo or uploaded document, rendered for people (citations link here). Internal documents (campaign briefs,
    uploads) open for marketers only; anyone else gets the same 404 as for a document that does not exist."""
    state = app_state(request)
    caller = state.auth.caller(request)
    doc = await state.in_worker(lambda: state.api.open_document(caller, path))
    return docs_view.render(doc.path, path, private=doc.visibility != "public")


@router.get("/login", include_in_schema=False)
async def login_page(next: str = "/workspace/", error: str = "") -> HTMLResponse:
    return HTMLResponse(_login_html(safe_next(next), error))


@router.post("/login", include_in_schema=False)
async def login_form(
    request: Request, username: str = Form(""), password: str = Form(""), next: str = Form("/workspace/")
) -> Response:
    auth = app_state(request).auth
    target = safe_next(next)
    _count_login(request)
    refused = _demo_login_refused(request)
    if refused:
        return HTMLResponse(_login_html(target, refused), status_code=401)
    if not auth.check_password(username, password, local=True):
        return HTMLResponse(_login_html(target, "Wrong user name or password."), status_code=401)
    response = RedirectResponse(target, status_code=303)
    _set_session(request, response, auth.issue_session(username))
    return response


@router.post("/v1/login", tags=["marketer"])
async def login_json(body: LoginRequest, request: Request) -> Any:
    """Log a marketer in; the answer sets the session cookie the workspace uses."""
    auth = app_state(request).auth
    _count_login(request)
    refused = _demo_login_refused(request)
    if refused:
        raise Unauthorized(refused)
    if not auth.check_password(body.username, body.password, local=True):
        raise Unauthorized("wrong user name or password")
    response = JSONResponse({"ok": True, "username": body.username})
    _set_session(request, response, auth.issue_session(body.username))
    return response


@router.post("/logout", include_in_schema=False)
async def logout(request: Request) -> Response:
    """A POST (from the workspace's form): a GET changes nothing, so no link or image elsewhere logs a marketer out."""
    response = RedirectResponse("/", status_code=303)
    secure = _secure(request)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
    return response


@router.get("/healthz", tags=["ops"])
async def healthz(request: Request) -> Any:
    """Liveness and readiness: `ready` is true once the models are loaded, the turn rehearsed and the help pages
    read ahead (`assistant.conversation.warm`): from then on a first question costs what later ones do."""
    return {"status": "ok", "ready": app_state(request).holder.ready}


def install_api_docs(app: FastAPI) -> None:
    """The OpenAPI page at /docs with Swagger UI 5 from the `swagger-ui-py` package (OpenAPI 3.1; works offline)."""
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("the swagger-ui-py package is missing: reinstall with `make install`")
    assets = Path(spec.submodule_search_locations[0]) / "static"
    app.mount("/api-docs-assets", StaticFiles(directory=assets), name="api-docs-assets")
    favicon = "/api-docs-assets/favicon-32x32.png" if (assets / "favicon-32x32.png").is_file() else ""

    @app.get("/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - docs",
            swagger_js_url="/api-docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/api-docs-assets/swagger-ui.css",
            swagger_favicon_url=favicon,
        )


def _demo_login_refused(request: Request) -> str | None:
    """Without a configured password hash the login takes the demo password, from this machine only: the message
    for a login from anywhere else (it names the setting), or None."""
    if app_state(request).settings.marketer_password_hash is not None:
        return None
    why = not_local_because(request)
    if why is None:
        return None
    return (
        f"marketer login refused: {why}, and without MKA_MARKETER_PASSWORD_HASH the only password is the demo one, "
        "which works from this machine only. Set MKA_MARKETER_PASSWORD_HASH (`mka admin hash-password`)"
    )


def _count_login(request: Request) -> None:
    limiter = getattr(request.app.state, "login_limiter", None)  # installed by install_protections
    if limiter is not None:
        limiter.hit(client_of(request) or "unknown")  # RateLimited -> 429 with Retry-After


def _secure(request: Request) -> bool:
    settings = app_state(request).settings
    return settings.secure_cookies or came_over_https(request, settings)


def _set_session(request: Request, response: Response, value: str) -> None:
    # HttpOnly: no script reads it; SameSite=Lax: other sites' forms cannot post with it; Secure over HTTPS.
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=SESSION_TTL_S,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )


def safe_next(target: str) -> str:
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
