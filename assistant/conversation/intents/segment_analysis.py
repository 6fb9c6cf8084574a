"""Segments and customers for marketers: the segment list, one profile, its members, one customer's summary."""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.conversation.compose import render_mapping
from assistant.conversation.intents import handler_for, intent
from assistant.conversation.intents.product_discovery import RECOMMEND_WORDS
from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn
from assistant.tools.results import CustomerSummary, SegmentDetail, SegmentList, SegmentMembers, ToolResult

_MEMBER_WORDS = re.compile(r"\b(list|members?|who are|which customers|show (me )?(the )?customers)\b", re.I)
DEFAULT_MEMBERS = 20


@intent("segment_analysis")
def segment_analysis(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    slots = route.slots
    if slots.get("customer_id") and RECOMMEND_WORDS.search(turn.message):
        # "recommend products for C00042" names a customer but asks for products
        turn.intent = "product_discovery"
        yield from handler_for("product_discovery")(turn, route, history)
        return
    if slots.get("customer_id"):
        name, args = "customer_summary", {"customer_id": slots["customer_id"]}
    elif slots.get("segment") and _MEMBER_WORDS.search(turn.message):
        name, args = (
            "segment_members",
            {"segment": slots["segment"], "limit": int(slots.get("count") or DEFAULT_MEMBERS)},
        )
    elif slots.get("segment"):
        name, args = "segment_profile", {"segment": slots["segment"]}
    else:
        name, args = "list_segments", {}
    record = yield from turn.run_tool(name, args)
    if not record.ok:
        yield from turn.refused_or_failed(record)
        return
    yield from turn.say(_describe(turn, record.summary, record.result))
    yield from turn.emit_citations()


def _describe(turn: Turn, summary: str, result: ToolResult) -> str:
    if isinstance(result, SegmentList):
        lines = ["Our customer segments:"]
        lines += [f"- **{s.name}**: {s.size} customers" for s in result.segments]
        return "\n".join(lines)
    if isinstance(result, SegmentMembers):
        shown = ", ".join(result.customer_ids)
        return f"{result.total} customers in {result.segment}; the first {len(result.customer_ids)}: {shown}"
    text = f"{summary[:1].upper()}{summary[1:]}:\n{render_mapping(result.model_dump())}"
    if isinstance(result, SegmentDetail | CustomerSummary) and result.recommended:
        text += "\n\nRecommended products:\n" + "\n".join(turn.product_lines(result.recommended))
    return text
