"""Who is calling the HTTP API: a marketer (API key or login cookie) or a customer (anonymous or shop-signed token).

Marketers authenticate with ``Authorization: Bearer <key>`` (one of `settings.marketer_api_keys`) or by logging in with
`settings.marketer_username` and the password whose hash is `settings.marketer_password_hash`; the login gives a signed,
expiring session cookie signed with `settings.session_secret`. Without a configured hash the demo password ``"demo"``
works, but only on a connection to a loopback address (and `create_app` refuses to start for a non-loopback
`settings.host`): a server reachable from the network never takes the password everyone knows.

Customers are anonymous unless the shop signed their id with `settings.widget_secret` (see
`assistant.security.sign_customer`) and the request carries it in the ``X-Customer-Token`` header; a valid token
becomes `Caller.customer_id`. Both secrets are generated on first start when not configured
(`assistant.secret_store`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from fastapi import Request

from assistant.conversation.reply import Caller
from assistant.errors import ConfigError, Unauthorized
from assistant.secret_store import ensure_secrets
from assistant.security import check_api_key, verify_customer_token, verify_password
from assistant.settings import Settings

log = logging.getLogger(__name__)

SESSION_COOKIE = "mka_session"
SESSION_TTL_S = 12 * 3600
DEMO_PASSWORD = "demo"
CUSTOMER_TOKEN_HEADER = "x-customer-token"


def is_loopback(host: str | None) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, "localhost")."""
    if not host:
        return False
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_demo_password_off_loopback(settings: Settings, host: str | None = None) -> None:
    """ConfigError when the server would listen beyond this machine while the marketer password is the demo one."""
    host = host or settings.host
    if settings.marketer_password_hash is None and not is_loopback(host):
        raise ConfigError(
            f"refusing to serve on {host}: without MKA_MARKETER_PASSWORD_HASH the marketer login takes the demo "
            f"password 'demo', which everyone knows. Set MKA_MARKETER_PASSWORD_HASH to the output of "
            f"`mka admin hash-password`, or serve on 127.0.0.1"
        )


# Headers a proxy, CDN or relay adds to say who the client was (any of them means the request was relayed).
FORWARDING_HEADERS = frozenset(
    {
        "forwarded", "via", "x-real-ip", "cf-connecting-ip", "true-client-ip", "x-client-ip", "x-cluster-client-ip",
        "fastly-client-ip", "akamai-client-ip", "x-proxyuser-ip", "client-ip",
    }
)  # fmt: skip
FORWARDING_PREFIXES = ("x-forwarded-", "x-original-", "x-forwarded", "x-envoy-external")


def _ip_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def _host_header_name(value: str) -> str:
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def not_local_because(request: Request) -> str | None:
    """Why this request is not known to come from this machine (None when it is): the socket's peer must be a
    loopback address, the Host header a loopback name or address, and no forwarding header of any kind present."""
    relayed = sorted(
        h for h in request.headers if h in FORWARDING_HEADERS or h.startswith(FORWARDING_PREFIXES)
    )
    if relayed:
        return f"it came through a proxy or relay ({relayed[0]})"
    peer = request.client.host if request.client else ""
    if not _ip_loopback(peer):
        return "it came from another machine"
    if not is_loopback(_host_header_name(request.headers.get("host", ""))):
        return "it was addressed to a name other than localhost"
    return None


def came_over_https(request: Request, settings: Settings) -> bool:
    """True when the client used HTTPS: the connection itself, or a trusted proxy's X-Forwarded-Proto says so."""
    if request.url.scheme == "https":
        return True
    client = request.client.host if request.client else None
    if client is None or client not in settings.trusted_proxies:
        return False  # anyone can send the header; only our own proxy's word counts
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return proto == "https"


@dataclass(frozen=True)
class Marketer:
    """An authenticated marketer; `via` says how ("api_key" or "login")."""

    username: str
    via: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode("utf-8", "surrogatepass"), hashlib.sha256).digest())


def _bytes(text: str) -> bytes:
    # compare_digest refuses non-ASCII str; header and JSON values can hold anything (even lone surrogates)
    return text.encode("utf-8", "surrogatepass")


class Authenticator:
    """Checks marketer credentials and customer tokens against one `Settings`."""

    def __init__(self, settings: Settings):
        self.settings = settings
        ensure_secrets(settings)  # no-op when create_app already did; never sign with a secret nobody chose
        self._warned_demo = False

    @property
    def _session_secret(self) -> str:
        return self.settings.session_secret.get_secret_value()  # type: ignore[union-attr]

    @property
    def _widget_secret(self) -> str:
        return self.settings.widget_secret.get_secret_value()  # type: ignore[union-attr]

    # -- marketer -------------------------------------------------------------------------------------------------
    def check_password(self, username: str, password: str, *, local: bool = True) -> bool:
        """True when `username`/`password` are the marketer's credentials (constant-time comparisons).

        `local` says whether the request came to a loopback address: the demo password works only there.
        """
        user_ok = hmac.compare_digest(_bytes(username), _bytes(self.settings.marketer_username))
        hashed = self.settings.marketer_password_hash
        if hashed is None:
            if not self._warned_demo:
                log.warning(
                    "MKA_MARKETER_PASSWORD_HASH is unset: the marketer login accepts the demo password 'demo' "
                    "on loopback connections only"
                )
                self._warned_demo = True
            return local & user_ok & hmac.compare_digest(_bytes(password), _bytes(DEMO_PASSWORD))
        return user_ok & bool(verify_password(password, hashed.get_secret_value()))

    def issue_session(self, username: str, now: float | None = None) -> str:
        """A signed cookie value naming `username`, valid for `SESSION_TTL_S` seconds."""
        expiry = int((time.time() if now is None else now) + SESSION_TTL_S)
        payload = _b64(json.dumps({"u": username, "exp": expiry}).encode())
        return f"{payload}.{_mac(self._session_secret, payload)}"

    def read_session(self, value: str | None, now: float | None = None) -> str | None:
        """The username in a valid, unexpired session cookie, else None (forged, tampered, expired, malformed)."""
        if not value or value.count(".") != 1 or len(value) > 4096:
            return None
        payload, mac = value.split(".")
        if not hmac.compare_digest(_bytes(mac), _bytes(_mac(self._session_secret, payload))):
            return None
        try:
            data: Any = json.loads(_unb64(payload))
        except ValueError:
            return None
        expiry = data.get("exp") if isinstance(data, dict) else None
        if not isinstance(expiry, int) or expiry < (time.time() if now is None else now):
            return None
        user = data.get("u")
        return user if isinstance(user, str) and user else None

    def marketer_from_request(self, request: Request) -> Marketer | None:
        """The marketer behind a request (bearer API key, then session cookie), or None."""
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            if check_api_key(header[7:].strip(), self.settings.marketer_api_keys):
                return Marketer(username="api-key", via="api_key")
            return None  # a wrong key is not silently downgraded to the cookie
        user = self.read_session(request.cookies.get(SESSION_COOKIE))
        return Marketer(username=user, via="login") if user else None

    def require_marketer(self, request: Request) -> Marketer:
        """The marketer behind a request; raises Unauthorized with a message saying how to log in."""
        marketer = self.marketer_from_request(request)
        if marketer is None:
            raise Unauthorized(
                "marketer credentials required: send 'Authorization: Bearer <api key>' or log in at /login"
            )
        return marketer

    # -- customer -------------------------------------------------------------------------------------------------
    def customer_id(self, token: str | None) -> str | None:
        """The customer id a shop-signed token carries; None for no token; Unauthorized for a bad or expired one."""
        if not token:
            return None
        return verify_customer_token(token, self._widget_secret)

    def caller(self, request: Request) -> Caller:
        """The caller of a request: a marketer if authenticated as one, else a customer, identified by the
        ``X-Customer-Token`` header when it carries a valid token (Unauthorized for a bad or expired one)."""
        client = request.client.host if request.client else None
        marketer = self.marketer_from_request(request)
        if marketer is not None:
            return Caller(role="marketer", client=client, user=marketer.username)
        token = request.headers.get(CUSTOMER_TOKEN_HEADER)
        return Caller(role="customer", customer_id=self.customer_id(token), client=client)
