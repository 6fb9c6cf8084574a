"""Segment tools for marketers: the segments, one segment's profile and members, one customer's summary.

`customer_summary` is marketer-only: a customer's own order history is not something the chat shows them (and the
policy's customer tool list leaves it out too). Unknown segments and customers raise `NotFound` with the known names.
"""

from __future__ import annotations

from assistant.commerce.models.segments import normalise_name
from assistant.errors import NotFound
from assistant.tools.base import ToolContext, tool
from assistant.tools.recommend import describe_items, engine_of, models_of
from assistant.tools.results import (
    AudienceSegment,
    CampaignAudience,
    CustomerSummary,
    SegmentDetail,
    SegmentInfo,
    SegmentList,
    SegmentMembers,
)
from generation import load_briefs

MAX_MEMBERS = 1000


@tool(roles={"marketer"})
def list_segments(ctx: ToolContext) -> SegmentList:
    """List the customer segments (Champions, Loyal, At risk, ...) with their sizes and RFM means."""
    _, segmenter = models_of(ctx)
    return SegmentList(
        segments=[SegmentInfo.model_validate(p.as_dict()) for p in segmenter.profiles()],
        silhouette=segmenter.meta.get("silhouette"),
    )


@tool(roles={"marketer"})
def segment_profile(ctx: ToolContext, segment: str) -> SegmentDetail:
    """Describe one segment: size, recency/frequency/monetary means, top categories and recommended products."""
    recommender, segmenter = models_of(ctx)
    profile = segmenter.profile(segment)
    recs = recommender.for_segment(profile.name, 5) if profile.name in recommender.segment_names else []
    return SegmentDetail(**profile.as_dict(), recommended=describe_items(ctx, recs))


@tool(roles={"marketer"})
def segment_members(ctx: ToolContext, segment: str, limit: int = 50) -> SegmentMembers:
    """List the customer ids in one segment (up to `limit`)."""
    _, segmenter = models_of(ctx)
    members = segmenter.members(segment)
    limit = max(1, min(MAX_MEMBERS, limit))
    return SegmentMembers(
        segment=segmenter.profile(segment).name, total=len(members), customer_ids=members[:limit]
    )


@tool(roles={"marketer"})
def customer_summary(ctx: ToolContext, customer_id: str) -> CustomerSummary:
    """Summarise one customer: segment, orders, spend, last order and top recommendations."""
    recommender, segmenter = models_of(ctx)
    engine = engine_of(ctx)
    record: dict = {"customer_id": customer_id}
    if engine is not None:
        from assistant.commerce.imports import customer_record

        record = customer_record(engine, customer_id)  # NotFound for an unknown id
    elif not recommender.knows_customer(customer_id):
        raise NotFound(f"unknown customer {customer_id!r}")
    try:
        record["segment"] = segmenter.assign(customer_id)
    except NotFound:
        record["segment"] = None  # no orders when the models were trained
    record["recommended"] = describe_items(ctx, recommender.recommend(customer_id, 5))
    return CustomerSummary.model_validate(record)


def _why(info: SegmentInfo) -> str:
    """Why a segment fits: what its customers do (RFM means, what they buy)."""
    cats = ", ".join(c for c, _ in info.top_categories[:2])
    bought = f"; they buy mostly {cats}" if cats else ""
    return (
        f"last order {info.recency_days:,.0f} days ago on average, {info.frequency:.1f} orders, "
        f"{info.monetary:,.0f} EUR spent{bought}"
    )


@tool(roles={"marketer"})
def campaign_audience(ctx: ToolContext, request: str, brief: str | None = None) -> CampaignAudience:
    """Who should get a campaign: the segments its brief targets (named by `brief`, else by `request`, e.g. "who
    should get the winter campaign"), each with its size and why, or the briefs to choose from."""
    from assistant.tools.copy_check import brief_candidate, brief_issue, lookup_brief

    settings = ctx.service("settings")
    lookup = lookup_brief(settings.demo_dir / "campaigns", brief, request)
    if lookup.brief is None:
        issue = brief_issue(lookup, brief) if lookup.outcome != "ok" else None
        return CampaignAudience(
            outcome=lookup.outcome if lookup.outcome != "ok" else "unknown_brief",
            briefs=[
                brief_candidate(b)
                for b in (lookup.candidates or load_briefs(settings.demo_dir / "campaigns"))
            ],
            question=(issue.reason[:1].upper() + issue.reason[1:])
            if issue
            else "Which campaign do you mean?",
        )
    found = lookup.brief
    _, segmenter = models_of(ctx)
    profiles = {normalise_name(p.name): p for p in segmenter.profiles()}
    segments, missing = [], []
    for name in found.segments:
        profile = profiles.get(normalise_name(name))
        if profile is None:
            missing.append(name)
            continue
        info = SegmentInfo.model_validate(profile.as_dict())
        segments.append(AudienceSegment(**info.model_dump(), why=_why(info)))
    return CampaignAudience(
        brief_id=found.id,
        brief_name=found.name,
        audience=" ".join(found.audience.split()),
        segments=segments,
        missing_segments=missing,
        total=sum(s.size for s in segments),
    )
