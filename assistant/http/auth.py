"""Who is calling the HTTP API: a marketer (API key or login cookie) or a customer (anonymous or shop-signed token).

Marketers authenticate with ``Authorization: Bearer <key>`` (one of `settings.marketer_api_keys`) or by logging in with
`settings.marketer_username` and the password whose hash is `settings.marketer_password_hash`; the login gives a signed,
expiring session cookie. Without a configured hash the demo password ``"demo"`` works and a warning is logged once.

Customers are anonymous unless the shop signed their id with `settings.widget_secret` (see
`assistant.security.sign_customer`); a valid token becomes `Caller.customer_id`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass

from fastapi import Request

from assistant.conversation.reply import Caller
from assistant.errors import Unauthorized
from assistant.security import check_api_key, verify_customer_token, verify_password
from assistant.settings import Settings

log = logging.getLogger(__name__)

SESSION_COOKIE = "mka_session"
SESSION_TTL_S = 12 * 3600
DEMO_PASSWORD = "demo"


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
    return _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())


class Authenticator:
    """Checks marketer credentials and customer tokens against one `Settings`."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._warned_demo = False

    # -- marketer -------------------------------------------------------------------------------------------------
    def check_password(self, username: str, password: str) -> bool:
        """True when `username`/`password` are the marketer's credentials (constant-time comparisons)."""
        user_ok = hmac.compare_digest(username.encode(), self.settings.marketer_username.encode())
        hashed = self.settings.marketer_password_hash
        if hashed is None:
            if not self._warned_demo:
                log.warning(
                    "MKA_MARKETER_PASSWORD_HASH is unset: the marketer login accepts the demo password 'demo'"
                )
                self._warned_demo = True
            return user_ok & hmac.compare_digest(password.encode(), DEMO_PASSWORD.encode())
        return user_ok & bool(verify_password(password, hashed.get_secret_value()))

    def issue_session(self, username: str, now: float | None = None) -> str:
        """A signed cookie value naming `username`, valid for `SESSION_TTL_S` seconds."""
        payload = _b64(json.dumps({"u": username, "exp": int((now or time.time()) + SESSION_TTL_S)}).encode())
        return f"{payload}.{_mac(self.settings.session_secret.get_secret_value(), payload)}"

    def read_session(self, value: str | None, now: float | None = None) -> str | None:
        """The username in a valid, unexpired session cookie, else None."""
        if not value or value.count(".") != 1:
            return None
        payload, mac = value.split(".")
        if not hmac.compare_digest(mac, _mac(self.settings.session_secret.get_secret_value(), payload)):
            return None
        try:
            data = json.loads(_unb64(payload))
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("exp", 0) < (now or time.time()):
            return None
        return str(data.get("u") or "") or None

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
        return verify_customer_token(token, self.settings.widget_secret.get_secret_value())

    def caller(self, request: Request, customer_token: str | None = None) -> Caller:
        """The caller of a chat request: a marketer if authenticated as one, else a (maybe identified) customer."""
        client = request.client.host if request.client else None
        marketer = self.marketer_from_request(request)
        if marketer is not None:
            return Caller(role="marketer", client=client, user=marketer.username)
        return Caller(role="customer", customer_id=self.customer_id(customer_token), client=client)
