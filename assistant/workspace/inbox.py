"""The handoff inbox as a service: requests folded per conversation, the help-desk webhook on each new one, and the
work on them (assign, reply, close). The `request_handoff` tool and the application API both queue through `request`.
"""

from __future__ import annotations

from typing import Any

from assistant.storage.inbox import InboxStore
from assistant.workspace.types import InboxItem
from assistant.workspace.webhook import HandoffWebhook

WEBHOOK_TRANSCRIPT_MESSAGES = 20


def handoff_sender(session_id: str, customer_id: str | None = None, client: str | None = None) -> str:
    """Who caused a handoff, for the webhook's fair queue: the identified customer, else the client address, else the
    conversation."""
    if customer_id:
        return f"customer:{customer_id}"
    return f"client:{client}" if client else f"session:{session_id}"


def webhook_payload(item: InboxItem) -> dict[str, Any]:
    """What a help desk receives about a new request: the request, the customer's contact, the conversation so far.

    The request is named by its handoff id, which the inbox and `/v1/handoffs/{id}` know; never by the conversation's
    session id, which is a bearer token for an anonymous customer's chat."""
    return {
        "handoff": {
            "handoff_id": item.handoff_id,
            "contact": item.contact,
            "customer_id": item.customer_id,
            "reason": "; ".join(item.reasons),
            "created_at": item.created_at,
            "api": f"/v1/handoffs/{item.handoff_id}",
        },
        "transcript": [m.model_dump() for m in item.transcript[-WEBHOOK_TRANSCRIPT_MESSAGES:]],
    }


class Inbox:
    """Handoff requests: queued once per conversation, announced to the help desk, worked by the shop's staff."""

    def __init__(self, store: InboxStore, webhook: HandoffWebhook | None = None):
        self.store = store
        self.webhook = webhook
        if webhook is not None and webhook.record is None:
            webhook.record = store.record_webhook

    @classmethod
    def from_settings(cls, store: InboxStore, settings: Any) -> Inbox:
        webhook = None
        if settings.handoff_webhook_url:
            secret = settings.handoff_webhook_secret
            webhook = HandoffWebhook(
                settings.handoff_webhook_url,
                settings.handoff_webhook_timeout_s,
                secret.get_secret_value() if secret else None,
            )
        return cls(store, webhook)

    def request(self, session_id: str, contact: str | None, reason: str, sender: str | None = None) -> int:
        """Queue the conversation for a person (or add the contact to its open request); the request's id. `sender`
        (see `handoff_sender`; the conversation when not given) keeps one sender's flood from delaying the others'
        webhook events."""
        handoff_id, created = self.store.open_handoff(session_id, contact, reason)
        if created and self.webhook is not None:
            self.webhook.notify(
                handoff_id,
                lambda: webhook_payload(self.store.item(handoff_id)),
                sender or handoff_sender(session_id),
            )
        return handoff_id
