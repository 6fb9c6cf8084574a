"""Cross-site request forgery: a state-changing request that carries the marketer's session cookie must come from a
page of this server.

`SameSite=Lax` keeps the cookie off other *sites'* POSTs, but a page on the same site (another port, another
subdomain of the shop's domain) is the same site, and its form or fetch carries the cookie. So every POST, PUT, PATCH
and DELETE with the session cookie names its origin: the `Origin` header (browsers send it on every cross-origin
request that changes state, and on same-origin POSTs), or failing that the `Referer`, must be this server's own
origin, the host and port the request was sent to. A request with neither comes from no browser page (a script with
its own cookie jar) and is let through; "null" (a sandboxed page, a redirect chain) is refused. Logout is a POST
(`/logout` by GET changes nothing), so a link or an image cannot log a marketer out.

Pure functions over the ASGI scope; `assistant.http.middleware` answers 403 with the reason.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def has_cookie(headers: dict[str, str], name: str) -> bool:
    """Whether the Cookie header holds a cookie called `name`."""
    for part in headers.get("cookie", "").split(";"):
        if part.strip().split("=", 1)[0].strip() == name:
            return True
    return False


def _host_port(netloc: str, scheme: str) -> tuple[str, int | None]:
    parsed = urlsplit(f"{scheme}://{netloc}")
    try:
        port = parsed.port
    except ValueError:
        return netloc.lower(), -1  # a malformed port matches nothing
    return (parsed.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def same_origin(source: str, host_header: str, scheme: str) -> bool:
    """Whether `source` (an Origin, or a Referer URL) names the host and port the request was sent to. The scheme of
    the source decides its default port (a proxy may end TLS, so the scheme of the hop to us is not compared)."""
    parts = urlsplit(source)
    if parts.scheme not in _DEFAULT_PORTS or not parts.netloc or not host_header:
        return False
    ours = _host_port(host_header, scheme)
    theirs = _host_port(parts.netloc, parts.scheme)
    if ours[1] is None or ours[1] == _DEFAULT_PORTS.get(scheme):
        # The Host header left the default port out: the source's default port is the same port.
        return theirs[0] == ours[0] and theirs[1] in (None, _DEFAULT_PORTS[parts.scheme], ours[1])
    return theirs == ours


def csrf_problem(scope: dict[str, Any], session_cookie: str) -> str | None:
    """Why this request may be a forgery (a 403's message), or None."""
    if scope.get("method", "GET") not in STATE_CHANGING:
        return None
    headers = _headers(scope)
    if not has_cookie(headers, session_cookie):
        return None
    source = headers.get("origin") or headers.get("referer")
    if source is None:
        return None
    if same_origin(source, headers.get("host", ""), scope.get("scheme", "http")):
        return None
    return (
        "cross-site request refused: a request that changes something with the marketer's session must come from "
        "a page of this server (its Origin or Referer names another origin)"
    )
