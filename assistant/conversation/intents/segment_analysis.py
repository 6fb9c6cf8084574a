"""Segments and customers for marketers: the segment list, one profile, its members, one customer's summary."""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.conversation.intents import handler_for, intent
from assistant.conversation.intents.product_discovery import RECOMMEND_WORDS
from assistant.conversation.marketer_tables import (
    briefs_table,
    customer_table,
    markdown_table,
    members_table,
    recommended_table,
    segments_table,
    with_catalog_facts,
)
from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn
from assistant.tools.results import (
    CampaignAudience,
    CustomerSummary,
    SegmentDetail,
    SegmentList,
    SegmentMembers,
    ToolResult,
)

_MEMBER_WORDS = re.compile(r"\b(list|members?|who are|which customers|show (me )?(the )?customers)\b", re.I)
DEFAULT_MEMBERS = 20
# A segment named as a name: capitalised or quoted, right after "segment" or before it ("the Big Spenders segment")
_NAMED_AFTER = re.compile(
    r"\bsegment\s+[\"“']?([A-Z][\w'’-]*(?:\s+(?![Ss]egment\b)[\w'’-]+){0,3}?)[\"”']?\s*(?:[?.!,;]|$)"
)
_NAMED_BEFORE = re.compile(
    r"\b(?:the|our)\s+[\"“']?([A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,3})[\"”']?\s+segment\b"
)
_CAMPAIGN_WORDS = re.compile(r"\b(campaigns?|briefs?|promo\w*|kampagne\w*|campagne\w*|campañas?)\b", re.I)


@intent("segment_analysis")
def segment_analysis(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    slots = route.slots
    if slots.get("customer_id") and RECOMMEND_WORDS.search(turn.message):
        # "recommend products for C00042" names a customer but asks for products
        turn.intent = "product_discovery"
        yield from handler_for("product_discovery")(turn, route, history)
        return
    named = _names_brief(turn)
    if not slots.get("customer_id") and named and _sends_to_segment(turn, slots, named):
        # "send Winter Trail Ready to our Champions too": an audience for the campaign, checked against its brief
        turn.intent = "ad_copy"
        yield from handler_for("ad_copy")(turn, route, history)
        return
    if not slots.get("customer_id") and (_CAMPAIGN_WORDS.search(turn.message) or named):
        # "who should get the winter campaign": the brief's target segments, their sizes and why
        record = yield from turn.run_tool("campaign_audience", {"request": turn.message})
        if record.ok and isinstance(record.result, CampaignAudience):
            yield from turn.say(_audience(turn, record.result))
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
    elif named_segment(turn.message):
        # "top products for segment Big spenders": a name the router does not know is answered as unknown (with the
        # known names), never with the list of every segment in its place
        name, args = "segment_profile", {"segment": named_segment(turn.message)}
    else:
        name, args = "list_segments", {}
    record = yield from turn.run_tool(name, args)
    if not record.ok:
        yield from turn.refused_or_failed(record)
        return
    yield from turn.say(_describe(turn, record.summary, record.result))
    yield from turn.emit_citations()


def named_segment(message: str) -> str | None:
    """The segment a message names as a name ("segment Big spenders", "the 'Big Spenders' segment"); None if none."""
    found = _NAMED_AFTER.search(message) or _NAMED_BEFORE.search(message)
    return found.group(1).strip() if found else None


def _names_brief(turn: Turn) -> str | None:
    """The name of the campaign brief the message names, as the brief spells it (None: it names none)."""
    from assistant.conversation.copy_request import brief_mention

    settings = turn.services.get("settings")
    if settings is None:
        return None
    from generation import load_briefs

    try:
        names = [b.name for b in load_briefs(settings.demo_dir / "campaigns")]
    except Exception:  # a bad brief file: the campaign tools say which
        return None
    return brief_mention(turn.message, names)[0]


def _sends_to_segment(turn: Turn, slots: dict, brief_name: str) -> bool:
    """Whether a message that names a brief gives it a segment ("... to our Champions", "the Weekend Warriors
    segment ... Ridge Season Opener") rather than asking whom it targets ("who should get ...")."""
    from assistant.conversation.copy_request import AUDIENCE, brief_mention, segment_phrase

    phrase = segment_phrase(turn.message, slots.get("segment"))
    if not phrase or brief_mention(phrase, [brief_name])[0]:
        return False  # "segment for First Nights Out?": the campaign, not a segment
    return not AUDIENCE.search(turn.message)


def _describe(turn: Turn, summary: str, result: ToolResult) -> str:
    """A segment or customer result as tables (never a "share: 0.16, monetary: 861.10" field dump)."""
    if isinstance(result, SegmentList):
        return "Our customer segments:\n\n" + segments_table(result.segments)
    if isinstance(result, SegmentMembers):
        return members_table(result)
    if isinstance(result, SegmentDetail):
        text = f"Segment **{result.name}**:\n\n" + segments_table([result])
    elif isinstance(result, CustomerSummary):
        text = f"Customer **{result.customer_id}**:\n\n" + customer_table(result)
    else:
        return f"{summary[:1].upper()}{summary[1:]}."
    if result.recommended:
        turn.product_lines(result.recommended)  # cites the catalog rows behind the table
        items = with_catalog_facts(result.recommended, turn.services.get("catalog"))
        text += "\n\nRecommended products:\n\n" + recommended_table(items)
    return text


def _audience(turn: Turn, result: CampaignAudience) -> str:
    """Who should get a campaign: its target segments with their sizes and why, or the briefs to choose from."""
    if result.outcome != "ok":
        turn.action = "clarify"
        return f"{result.question}\n\n" + briefs_table(result.briefs)
    head = (
        f"The **{result.brief_name}** campaign ({result.brief_id}) targets {result.total} customers "
        f"in {len(result.segments)} segment(s). The brief's audience: {result.audience}"
    )
    rows = [(s.name, s.size, f"{s.share:.0%}", s.why) for s in result.segments]
    text = head + "\n\n" + markdown_table(["Segment", "Customers", "Share", "Why"], rows)
    if result.missing_segments:
        text += f"\n\nThe brief also names {', '.join(result.missing_segments)}, which this shop has no customers in."
    return text
