"""The `draft_copy` tool (marketers only): catalog products + an optional campaign brief -> validated ad-copy drafts.

Glue between the assistant and `generation.copywriter`: it turns catalog `Product`s into `ProductFacts` (with each
product's 90-day sales rank from the order tables, the only backing for "best seller"), finds the brief in
``<demo_dir>/campaigns`` by id or by what the marketer calls it, and maps generation errors onto the assistant's error
tree.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from assistant.errors import AssistantError, BadInput, ConfigError, InvalidChoice, Unavailable
from assistant.tools.base import ToolContext, tool
from assistant.tools.results import CampaignCandidate, CampaignMatches, CopyDrafts, DraftOut
from generation import (
    BackendUnavailable,
    BadBrief,
    CampaignBrief,
    CopyRequest,
    CopyResult,
    CopyValidationError,
    GenerationError,
    ModelLoadError,
    ProductFacts,
    ShopPoints,
    find_brief,
    load_briefs,
    load_shop_points,
    resolve_brief,
)
from generation import draft_copy as _draft

ChannelName = Literal["google-rsa", "meta", "email", "sms", "x"]


def generation_error(exc: GenerationError) -> AssistantError:
    """The assistant error for a generation error (bad brief -> 400, model missing -> config, server down -> 503)."""
    if isinstance(exc, BadBrief | CopyValidationError):
        return BadInput(exc.message)
    if isinstance(exc, ModelLoadError):
        return ConfigError(exc.message)
    if isinstance(exc, BackendUnavailable):
        return Unavailable(exc.message)
    return Unavailable(f"the language model failed: {exc.message}")


def build_request(
    catalog: Any,
    skus: list[str],
    channel: str,
    *,
    variants: int = 3,
    brief: CampaignBrief | None = None,
    segment: str | None = None,
    tone: list[str] | None = None,
    final_url: str | None = None,
    sales_ranks: dict[str, int] | None = None,
    shop: ShopPoints | None = None,
) -> CopyRequest:
    """A `CopyRequest` from catalog SKUs (unknown SKU -> NotFound from the catalog; bad values -> BadInput).
    `sales_ranks` (SKU -> rank over the last 90 days, 1 = top) backs "best seller" claims."""
    if not skus:
        raise BadInput("give at least one product SKU")
    if not 1 <= variants <= 10:
        raise BadInput("variants must be between 1 and 10")
    ranks = sales_ranks or {}
    products = [
        ProductFacts.model_validate({**catalog.get(sku).model_dump(), "sales_rank_90d": ranks.get(sku)})
        for sku in dict.fromkeys(skus)
    ]
    try:
        return CopyRequest(
            products=products,
            channel=channel,
            brief=brief,
            segment=segment,
            audience=segment,
            tone=tone or [],
            variants=variants,
            # The first product's page from the catalog (a path until an export puts it under MKA_SHOP_URL).
            final_url=final_url or getattr(catalog.get(skus[0]), "url", ""),
            shop=shop,
        )
    except ValueError as exc:  # pydantic: an unknown channel, say
        raise BadInput(f"bad copy request: {exc}") from exc


def shop_points(settings: Any) -> ShopPoints:
    """The shop's selling points (free-delivery threshold, dispatch cut-off, return window) from its policy pages."""
    return load_shop_points(settings.demo_dir / "policies")


def copy_llm(services: Any) -> Any:
    """The model for drafting copy: only when `MKA_LLM__COPY_WITH_MODEL` is on (the phrase bank drafts otherwise)."""
    settings = services.get("settings")
    return services.get("llm") if settings is not None and settings.llm.copy_with_model else None


def run_draft(request: CopyRequest, llm: Any) -> CopyResult:
    """Draft, mapping generation errors to assistant errors."""
    try:
        return _draft(request, llm=llm)
    except GenerationError as exc:
        raise generation_error(exc) from exc


def sales_ranks(engine: Any, days: int = 90, today: dt.date | None = None) -> dict[str, int]:
    """SKU -> rank by units sold over the last `days` days (1 = most); {} without a database or recent orders."""
    if engine is None:
        return {}
    from sqlalchemy import text

    since = ((today or dt.date.today()) - dt.timedelta(days=days)).isoformat()
    query = text(
        "SELECT sku, SUM(quantity) AS units FROM order_lines WHERE ordered_at >= :since "
        "GROUP BY sku ORDER BY units DESC, sku"
    )
    try:
        with engine.connect() as conn:
            rows = conn.execute(query, {"since": since}).fetchall()
    except Exception:  # no commerce tables yet: nothing backs a ranking
        return {}
    return {row[0]: i for i, row in enumerate(rows, start=1)}


def resolve_campaign(campaigns_dir: Any, name: str) -> CampaignBrief:
    """The brief a marketer names: its id, else what they call it ("the spring campaign", "Alpine Summer"); several
    candidates -> BadInput asking which one."""
    try:
        return find_brief(campaigns_dir, name)
    except BadBrief:
        pass
    try:
        found = resolve_brief(name, load_briefs(campaigns_dir))
    except BadBrief as exc:
        raise BadInput(exc.message) from exc
    if found.ambiguous:
        raise BadInput(found.question())
    if found.best is None:  # nothing close: the briefs there are, by id
        from assistant.workspace.targets import brief_ids

        raise InvalidChoice("brief_id", name, brief_ids(campaigns_dir), what="campaign brief")
    return found.best


def copy_drafts(result: CopyResult, brief_id: str | None, skus: list[str]) -> CopyDrafts:
    """The drafter's result as the tool's typed result: each line with its source, backing and pin."""
    return CopyDrafts(
        channel=result.channel,
        skus=skus,
        brief_id=brief_id,
        distinct_2=result.distinct_2,
        drafts=[
            DraftOut(
                variant=d.variant,
                angle=d.angle,
                fields=d.fields,
                lines={k: [info.model_dump() for info in v] for k, v in d.lines.items()},
                char_counts=d.char_counts(),
                sources=d.sources,
                final_url=d.final_url,
                skus=d.skus,
                quality=d.quality,
                ad_strength=d.ad_strength.model_dump() if d.ad_strength else None,
            )
            for d in result.drafts
        ],
    )


@tool(roles={"marketer"})
def draft_copy(
    ctx: ToolContext,
    skus: list[str],
    channel: ChannelName,
    variants: int = 3,
    brief_id: str | None = None,
    segment: str | None = None,
    discount: str | None = None,
    claims: list[str] | None = None,
    confirmed: bool = False,
) -> CopyDrafts:
    """Draft ad copy for products on one channel (google-rsa, meta, email, sms, x), checked against the channel's
    limits and the campaign brief's rules.

    `brief_id` names a campaign brief by id (e.g. "trail-running-season-2027") or as the marketer calls it ("the
    spring campaign"); `segment` names the target customer segment; `discount` an offer to state ("20% off") and
    `claims` claims to make ("100% waterproof"). What the brief does not grant is questioned (outcome "questioned",
    nothing drafted; `confirmed` drafts without it), a claim the facts do not back is refused (outcome "refused").
    """
    from assistant.tools.copy_check import run_check
    from assistant.tools.recommend import engine_of
    from assistant.workspace.targets import known_segment

    settings = ctx.service("settings")
    segment = known_segment(ctx.services, segment)  # an unknown segment is refused with the shop's own list
    brief = resolve_campaign(settings.demo_dir / "campaigns", brief_id) if brief_id else None
    for sku in dict.fromkeys(skus):
        ctx.service("catalog").get(sku)  # an unknown SKU is a NotFound (404), never a substitute
    check, _ = run_check(
        ctx,
        {"brief": brief.id if brief else None, "channel": channel, "skus": skus, "segment": segment,
         "discount": discount, "claims": claims, "confirmed": confirmed},
    )  # fmt: skip
    if check.outcome != "ok":
        return CopyDrafts(
            channel=channel, skus=list(skus), brief_id=check.brief_id, outcome=check.outcome, check=check
        )
    request = build_request(
        ctx.service("catalog"),
        check.skus,
        channel,
        variants=variants,
        brief=brief,
        segment=segment,
        sales_ranks=sales_ranks(engine_of(ctx)),
        shop=shop_points(settings),
    )
    result = run_draft(request, copy_llm(ctx.services))
    out = copy_drafts(result, brief.id if brief else None, check.skus)
    out.check = check
    book = ctx.services.get("drafts")  # the workspace's draft book: every door's drafts are kept as records
    if book is not None:
        out = book.record(out, asked_by=ctx.user or ctx.role, session_id=ctx.session_id, segment=segment)
    return out


@tool(roles={"marketer"})
def find_campaign(ctx: ToolContext, request: str) -> CampaignMatches:
    """Find the campaign brief a request names ("the spring campaign", "Alpine Summer", "for At-risk customers"):
    one match, several (with the question which one), or none."""
    settings = ctx.service("settings")
    try:
        found = resolve_brief(request, load_briefs(settings.demo_dir / "campaigns"))
    except BadBrief as exc:
        raise BadInput(exc.message) from exc
    candidates = [
        CampaignCandidate(
            id=m.brief.id,
            name=m.brief.name,
            products=m.brief.products,
            segments=m.brief.segments,
            score=m.score,
            reasons=m.reasons,
        )
        for m in found.candidates
    ]
    return CampaignMatches(
        request=request, candidates=candidates, question=found.question() if found.ambiguous else ""
    )
