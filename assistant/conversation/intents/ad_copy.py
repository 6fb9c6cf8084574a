"""Ad copy for marketers: find the product (named, the segment's top product, or a search), then draft it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from assistant.conversation.intents import intent
from assistant.conversation.reply import TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn
from assistant.tools.results import CampaignMatches, CopyDrafts, ProductSearch, SegmentDetail

DEFAULT_CHANNEL = "google-rsa"
DEFAULT_VARIANTS = 3


# Words that say the request is about a campaign: then an ambiguous match is worth a question back.
_CAMPAIGN_WORDS = re.compile(
    r"\b(campaigns?|briefs?|promo\w*|kampagne\w*|campagne\w*|campañas?|campagna|campagne)\b", re.I
)


@intent("ad_copy")
def ad_copy(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    slots = dict(route.slots)
    skus = list(slots.get("skus") or [])
    campaign = yield from _campaign(turn, skus)
    if campaign is _ASKED:
        return
    if campaign is not None:
        slots["brief_id"] = campaign.id
        if not slots.get("segment") and campaign.segments:
            slots["segment"] = campaign.segments[0]
        skus = skus or campaign.products[:3]
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
        yield from turn.say("Which product should the copy be about? Give me a SKU or describe the product.")
        return
    args = _draft_args(turn, slots, skus)
    if "draft_copy" in turn.policy.allowed_tools(turn.caller):
        # Drafting runs the model (seconds to a minute on CPU): say what is coming first.
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
    from assistant.conversation.compose import render_drafts

    yield from turn.say(render_drafts(record.result))


_ASKED = object()


def _campaign(turn: Turn, skus: list[str]) -> Iterator[TurnEvent]:
    """The brief the request names (None for none); `_ASKED` after asking which one, when several fit a request
    that is about a campaign. A named product with no campaign words needs no brief."""
    about_campaign = bool(_CAMPAIGN_WORDS.search(turn.message))
    if "find_campaign" not in turn.policy.allowed_tools(turn.caller) or (skus and not about_campaign):
        return None
    record = yield from turn.run_tool("find_campaign", {"request": turn.message})
    if not record.ok or not isinstance(record.result, CampaignMatches):
        return None
    if record.result.best is not None:
        return record.result.best
    if record.result.question and about_campaign:
        turn.action = "clarify"
        yield from turn.say(record.result.question)
        return _ASKED
    return None


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
    accepts = drafter.args_model.model_fields if drafter is not None else {}
    if slots.get("brief_id") and "brief_id" in accepts:
        args["brief_id"] = slots["brief_id"]
    if slots.get("segment") and "segment" in accepts:
        args["segment"] = slots["segment"]  # steers the wording toward the segment
    return args
