"""Segment tools for marketers: the segments, one segment's profile and members, one customer's summary.

`customer_summary` is marketer-only: a customer's own order history is not something the chat shows them (and the
policy's customer tool list leaves it out too). Unknown segments and customers raise `NotFound` with the known names.
"""

from __future__ import annotations

from assistant.errors import NotFound
from assistant.tools.base import ToolContext, tool
from assistant.tools.recommend import describe_items, engine_of, models_of
from assistant.tools.results import CustomerSummary, SegmentDetail, SegmentInfo, SegmentList, SegmentMembers

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
