"""The handoff tool: queue the conversation for a person, with the contact details the caller gave."""

from __future__ import annotations

from assistant.errors import BadInput
from assistant.tools.base import ToolContext, tool
from assistant.tools.results import HandoffTicket
from assistant.workspace.inbox import handoff_sender


@tool(roles={"customer", "marketer"})
def request_handoff(ctx: ToolContext, reason: str, contact: str | None = None) -> HandoffTicket:
    """Ask for a human: the shop's staff get this conversation and contact the caller (e-mail or phone, if given)."""
    if not ctx.session_id:
        raise BadInput("a handoff needs a conversation (session) to hand over")
    inbox = ctx.services.get("inbox")  # folds a second request of the same conversation into the first
    if inbox is not None:
        sender = handoff_sender(ctx.session_id, ctx.customer_id, ctx.client)
        handoff_id = inbox.request(ctx.session_id, contact, reason, sender)
    else:
        handoff_id = ctx.service("store").add_handoff(ctx.session_id, contact, reason)
    return HandoffTicket(handoff_id=handoff_id, contact=contact)
