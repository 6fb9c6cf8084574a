"""The `draft_copy` tool (marketers only): catalog products + an optional campaign brief -> validated ad-copy drafts.

Glue between the assistant and `generation.copywriter`: it turns catalog `Product`s into `ProductFacts`, finds the
brief in ``<demo_dir>/campaigns``, and maps generation errors onto the assistant's error tree.
"""

from __future__ import annotations

from typing import Any, Literal

from assistant.errors import AssistantError, BadInput, ConfigError, Unavailable
from assistant.tools.base import ToolContext, tool
from assistant.tools.results import CopyDrafts, DraftOut
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
    find_brief,
)
from generation import draft_copy as _draft

ChannelName = Literal["google-rsa", "meta", "email", "sms", "x"]
DEFAULT_FINAL_URL = "https://shop.example.com/products/{sku}"


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
) -> CopyRequest:
    """A `CopyRequest` from catalog SKUs (unknown SKU -> NotFound from the catalog; bad values -> BadInput)."""
    if not skus:
        raise BadInput("give at least one product SKU")
    if not 1 <= variants <= 10:
        raise BadInput("variants must be between 1 and 10")
    products = [ProductFacts.model_validate(catalog.get(sku).model_dump()) for sku in dict.fromkeys(skus)]
    try:
        return CopyRequest(
            products=products,
            channel=channel,
            brief=brief,
            segment=segment,
            audience=segment,
            tone=tone or [],
            variants=variants,
            final_url=final_url or DEFAULT_FINAL_URL.format(sku=skus[0].lower()),
        )
    except ValueError as exc:  # pydantic: an unknown channel, say
        raise BadInput(f"bad copy request: {exc}") from exc


def run_draft(request: CopyRequest, llm: Any) -> CopyResult:
    """Draft, mapping generation errors to assistant errors."""
    try:
        return _draft(request, llm=llm)
    except GenerationError as exc:
        raise generation_error(exc) from exc


def copy_drafts(result: CopyResult, brief_id: str | None, skus: list[str]) -> CopyDrafts:
    """The drafter's result as the tool's typed result."""
    return CopyDrafts(
        channel=result.channel,
        skus=skus,
        brief_id=brief_id,
        distinct_2=result.distinct_2,
        drafts=[
            DraftOut(
                variant=d.variant,
                fields=d.fields,
                char_counts=d.char_counts(),
                sources=d.sources,
                final_url=d.final_url,
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
) -> CopyDrafts:
    """Draft ad copy for products on one channel (google-rsa, meta, email, sms, x), checked against the channel's
    limits and the campaign brief's rules.

    `brief_id` names a campaign brief (e.g. "trail-running-season-2027"); `segment` names the target customer segment.
    """
    from assistant.workspace.targets import known_brief, known_segment

    settings = ctx.service("settings")
    segment = known_segment(ctx.services, segment)  # an unknown segment is refused with the shop's own list
    brief = None
    if brief_id:
        try:
            brief = find_brief(settings.demo_dir / "campaigns", brief_id)
        except BadBrief as exc:
            known_brief(settings.demo_dir / "campaigns", brief_id)  # unknown id: the list of valid ones
            raise BadInput(exc.message) from exc
    request = build_request(
        ctx.service("catalog"), skus, channel, variants=variants, brief=brief, segment=segment
    )
    result = run_draft(request, ctx.services.get("llm"))
    out = copy_drafts(result, brief_id, list(dict.fromkeys(skus)))
    book = ctx.services.get("drafts")  # the workspace's draft book: every door's drafts are kept as records
    if book is not None:
        out = book.record(out, asked_by=ctx.user or ctx.role, session_id=ctx.session_id, segment=segment)
    return out
