"""The handoff tool: queue the conversation for a person, with the contact details the caller gave."""

from __future__ import annotations

from assistant.errors import BadInput
from assistant.tools.base import ToolContext, tool
from assistant.tools.results import HandoffTicket


@tool(roles={"customer", "marketer"})
def request_handoff(ctx: ToolContext, reason: str, contact: str | None = None) -> HandoffTicket:
    """Ask for a human: the shop's staff get this conversation and contact the caller (e-mail or phone, if given)."""
    if not ctx.session_id:
        raise BadInput("a handoff needs a conversation (session) to hand over")
    store = ctx.service("store")
    existing = store.open_handoff(ctx.session_id)
    if existing is not None:  # one handoff per conversation: a second request joins the open one
        store.update_handoff(existing["handoff_id"], contact=contact, reason=reason)
        return HandoffTicket(handoff_id=existing["handoff_id"], contact=contact or existing["contact"])
    handoff_id = store.add_handoff(ctx.session_id, contact, reason)
    return HandoffTicket(handoff_id=handoff_id, contact=contact)
