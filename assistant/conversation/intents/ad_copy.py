"""Ad copy for marketers: find the product (named, the segment's top product, or a search), then draft it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assistant.conversation.intents import intent
from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn
from assistant.tools.results import CopyDrafts, ProductSearch, SegmentDetail

DEFAULT_CHANNEL = "google-rsa"
DEFAULT_VARIANTS = 3


@intent("ad_copy")
def ad_copy(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    slots = route.slots
    skus = list(slots.get("skus") or [])
    if not skus and slots.get("segment"):
        # "our best product for the At-risk segment": the segment's profile names its top product.
        record = yield from turn.run_tool("segment_profile", {"segment": slots["segment"]})
        if not record.ok:
            yield from turn.refused_or_failed(record)
            return
        skus = _segment_top_sku(record.result)
    if not skus:
        record = yield from turn.run_tool("search_products", {"query": turn.message, "k": 1})
        if record.ok and isinstance(record.result, ProductSearch) and record.result.products:
            skus = [record.result.products[0].sku]
    if not skus:
        turn.action = "clarify"
        yield from turn.say(turn.phrase("clarify_copy"))
        return
    args = _draft_args(turn, slots, skus)
    if "draft_copy" in turn.policy.allowed_tools(turn.caller):
        # Drafting runs the model (seconds to a minute on CPU): say what is coming first.
        head = f"Drafting {args['variants']} {args['channel']} variant(s) for {', '.join(args['skus'])}"
        if slots.get("segment"):
            head += f", aimed at the {slots['segment']} segment"
        yield from turn.say(head + ":\n\n")
    record = yield from turn.run_tool("draft_copy", args)
    if not record.ok or not isinstance(record.result, CopyDrafts):
        yield from turn.refused_or_failed(record)
        return
    from assistant.conversation.compose import render_drafts

    yield from turn.say(render_drafts(record.result))


def _segment_top_sku(profile: Any) -> list[str]:
    """What the recommender suggests for the segment first, else what the segment buys most."""
    if not isinstance(profile, SegmentDetail):
        return []
    if profile.recommended:
        return [profile.recommended[0].item_id]
    return profile.top_products[:1]


def _draft_args(turn: Turn, slots: dict[str, Any], skus: list[str]) -> dict[str, Any]:
    args: dict[str, Any] = {
        "skus": skus[:3],
        "channel": slots.get("channel", DEFAULT_CHANNEL),
        "variants": int(slots.get("count") or DEFAULT_VARIANTS),
    }
    drafter = turn.policy.tools.get("draft_copy")
    if slots.get("segment") and drafter is not None and "segment" in drafter.args_model.model_fields:
        args["segment"] = slots["segment"]  # steers the wording toward the segment
    return args
