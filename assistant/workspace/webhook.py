"""A POST to the shop's help desk for every new handoff request (`settings.handoff_webhook_url`).

The chat turn never waits for it: the call runs on a small worker pool with the configured timeout, and its outcome
("delivered (HTTP 200)", "failed: timed out after 5 s") is recorded on the request, where the inbox shows it. A secret,
if configured, signs the exact body sent (header ``X-MKA-Signature: sha256=<hex HMAC-SHA256>``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import httpx

log = logging.getLogger(__name__)

EVENT = "handoff.created"


class HandoffWebhook:
    """Sends handoff events to one URL, off the caller's thread."""

    def __init__(
        self,
        url: str,
        timeout_s: float = 5.0,
        secret: str | None = None,
        record: Callable[[int, str], None] | None = None,
    ):
        self.url = url
        self.timeout_s = timeout_s
        self.secret = secret
        self.record = record
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="handoff-webhook")

    def notify(self, handoff_id: int, payload: dict[str, Any] | Callable[[], dict[str, Any]]) -> Future:
        """Queue the POST and return at once; the future's result is the recorded outcome. `payload` may be a function,
        so that even reading what to send happens off the caller's thread."""
        return self._pool.submit(self._send, handoff_id, payload)

    def _send(self, handoff_id: int, payload: dict[str, Any] | Callable[[], dict[str, Any]]) -> str:
        try:
            data = payload() if callable(payload) else payload
        except Exception:
            log.exception("could not build the webhook payload of request #%s", handoff_id)
            data = {"handoff": {"handoff_id": handoff_id}}
        body = json.dumps({"event": EVENT, **data}, ensure_ascii=False, default=str).encode("utf-8")
        headers = {"Content-Type": "application/json", "User-Agent": "mka-handoff-webhook/1"}
        if self.secret:
            digest = hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-MKA-Signature"] = f"sha256={digest}"
        try:
            response = httpx.post(self.url, content=body, headers=headers, timeout=self.timeout_s)
            outcome = (
                f"delivered (HTTP {response.status_code})"
                if response.is_success
                else f"failed: HTTP {response.status_code}"
            )
        except httpx.TimeoutException:
            outcome = f"failed: timed out after {self.timeout_s:g} s"
        except httpx.HTTPError as exc:
            outcome = f"failed: {type(exc).__name__}"
        if not outcome.startswith("delivered"):
            log.warning("handoff webhook for request #%s %s", handoff_id, outcome)
        if self.record is not None:
            try:
                self.record(handoff_id, outcome)
            except Exception:  # the outcome is a note; a database hiccup must not kill the worker
                log.exception("could not record the webhook outcome of request #%s", handoff_id)
        return outcome

    def close(self) -> None:
        self._pool.shutdown(wait=False)
