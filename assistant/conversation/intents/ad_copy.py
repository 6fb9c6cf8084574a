"""Ad copy for marketers: read the request into slots, check it against the brief and the data
(`check_copy_request`), find the product (named, the brief's, the segment's top product, or a search), then draft it.
A request the check does not pass is answered with its question or reason, never drafted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assistant.conversation.copy_request import (
    CopyAsk,
    answers_copy_question,
    pending_copy_request,
    read_copy_request,
)
from assistant.conversation.intents import intent
from assistant.conversation.marketer_tables import check_notes, check_reply
from assistant.conversation.product_names import products_by_name
from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn
from assistant.tools.results import CopyDrafts, CopyRequestCheck, ProductSearch, SegmentDetail

DEFAULT_CHANNEL = "google-rsa"
DEFAULT_VARIANTS = 3


@intent("ad_copy")
def ad_copy(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    slots = dict(route.slots)
    briefs = _briefs(turn)
    from assistant.tools.brief_match import own_words

    words = {w for b in briefs for w in own_words(b)}
    ask = read_copy_request(
        turn.message, slots, turn.services.get("catalog"), [b.name for b in briefs], words
    )
    ask = _confirmation(ask, history)
    check = yield from _checked(turn, ask, words)
    if check is _ASKED:
        return
    skus = list(check.skus) if check is not None else list(ask.skus)
    if check is not None and check.brief_id:
        slots["brief_id"] = check.brief_id
    if check is not None and check.segment:
        slots["segment"] = check.segment
    elif check is not None and check.brief_id and not slots.get("segment"):
        brief_segments = next((b.segments for b in check.briefs if b.id == check.brief_id), [])
        slots["segment"] = brief_segments[0] if brief_segments else None
    if not skus and slots.get("segment"):
        # "our best product for the At-risk segment": the segment's profile names its top product.
        record = yield from turn.run_tool("segment_profile", {"segment": slots["segment"]})
        if not record.ok:
            yield from turn.refused_or_failed(record)
            return
        skus = _segment_top_sku(record.result)
    if not skus:
        query = (
            ask.search_text()
        )  # without the campaign name, discount and claims: those are not product words
        record = yield from turn.run_tool("search_products", {"query": query, "k": 1})
        if record.ok and isinstance(record.result, ProductSearch) and record.result.products:
            skus = [record.result.products[0].sku]
    if not skus:
        turn.action = "clarify"
        yield from turn.say(turn.phrase("clarify_copy"))
        return
    args = _draft_args(turn, slots, skus, ask)
    if "draft_copy" in turn.policy.allowed_tools(turn.caller):
        head = f"Drafting {args['variants']} {args['channel']} variant(s) for {', '.join(args['skus'])}"
        if args.get("brief_id"):
            head += f" in the {args['brief_id']} campaign"
        if slots.get("segment"):
            head += f", aimed at the {slots['segment']} segment"
        yield from turn.say(head + ":\n\n")
    record = yield from turn.run_tool("draft_copy", args)
    if not record.ok or not isinstance(record.result, CopyDrafts):
        yield from turn.refused_or_failed(record)
        return
    if record.result.outcome != "ok" and record.result.check is not None:
        turn.action = "clarify"
        yield from turn.say(check_reply(record.result.check))
        return
    from assistant.conversation.compose import render_drafts

    notes = check_notes(record.result.check)
    yield from turn.say(render_drafts(record.result) + (f"\n\n{notes}" if notes else ""))


_ASKED = object()


def _checked(turn: Turn, ask: CopyAsk, brief_words: set[str] = frozenset()) -> Iterator[TurnEvent]:
    """The request checked against the briefs and the data (`check_copy_request`); `_ASKED` after saying why it
    cannot be drafted as asked (unknown or ambiguous campaign, nothing of that name, a refused claim, a question).
    Products read from their names are read again among the brief's own once the brief is known ("the Summit
    jackets" in the winter brief are its two, not every Summit), and the request checked again."""
    if "check_copy_request" not in turn.policy.allowed_tools(turn.caller):
        return None
    record = yield from turn.run_tool("check_copy_request", ask.tool_args())
    if not record.ok or not isinstance(record.result, CopyRequestCheck):
        return None
    check = record.result
    outside = any(i.kind == "product_not_in_brief" for i in check.issues)
    if outside and ask.by_name and check.brief_id:
        own = set(next((b.products for b in check.briefs if b.id == check.brief_id), []))
        catalog = turn.services.get("catalog")
        again = products_by_name(ask.request, ask.spans, ask.claim_spans, catalog, brief_words, prefer=own)
        if again and again != ask.skus:
            ask.skus = again
            record = yield from turn.run_tool("check_copy_request", ask.tool_args())
            if not record.ok or not isinstance(record.result, CopyRequestCheck):
                return None
            check = record.result
    if check.outcome == "ok":
        return check
    turn.action = "clarify"
    turn.outcome = "not_found" if check.outcome in ("not_found", "unknown_brief") else "answered"
    if check.outcome == "questioned":  # kept with the turn: "yes, draft without it" picks it up
        turn.about.query = {"copy_request": ask.pending()}
    yield from turn.say(check_reply(check, _brief_channels(turn)))
    return _ASKED


def _briefs(turn: Turn) -> list[Any]:
    settings = turn.services.get("settings")
    if settings is None:
        return []
    from generation import load_briefs

    try:
        return load_briefs(settings.demo_dir / "campaigns")
    except Exception:  # a bad brief file: the tool says which; the chat reads the request without brief names
        return []


def _brief_channels(turn: Turn) -> dict[str, list[str]]:
    return {b.id: list(b.channels) for b in _briefs(turn)}


def _confirmation(ask: CopyAsk, history: list[dict]) -> CopyAsk:
    """ "yes, draft without it" after a questioned request: the earlier request, confirmed (what the brief does not
    grant is left out; refused claims stay refused)."""
    pending = pending_copy_request(history)
    if not pending or not answers_copy_question(ask.request, history) or ask.brief or ask.skus or ask.channel:
        return ask
    earlier = CopyAsk(**{k: v for k, v in pending.items() if k in CopyAsk.__dataclass_fields__})
    earlier.confirmed = True
    return earlier


def _segment_top_sku(profile: Any) -> list[str]:
    """What the recommender suggests for the segment first, else what the segment buys most."""
    if not isinstance(profile, SegmentDetail):
        return []
    if profile.recommended:
        return [profile.recommended[0].item_id]
    return profile.top_products[:1]


def _draft_args(turn: Turn, slots: dict[str, Any], skus: list[str], ask: CopyAsk) -> dict[str, Any]:
    args: dict[str, Any] = {
        "skus": skus[:3],
        "channel": slots.get("channel", DEFAULT_CHANNEL),
        "variants": int(slots.get("count") or DEFAULT_VARIANTS),
    }
    drafter = turn.policy.tools.get("draft_copy")
    accepts = drafter.args_model.model_fields if drafter is not None else {}
    if slots.get("brief_id") and "brief_id" in accepts:
        args["brief_id"] = slots["brief_id"]
    if slots.get("segment") and "segment" in accepts:
        args["segment"] = slots["segment"]  # steers the wording toward the segment
    if ask.confirmed and "confirmed" in accepts:
        args["confirmed"] = True
    for key in ("discount", "claims"):  # checked again by the drafter itself, whichever door asked
        if getattr(ask, key) and key in accepts:
            args[key] = getattr(ask, key)
    return args
