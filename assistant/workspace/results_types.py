"""What the campaign-results tools and API return: an import's summary, and per ad group the variants' posteriors,
probability best and recommended budget split. Field names are the JSON names clients see."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from assistant.tools.results import CampaignCandidate, ToolResult


class RateEstimate(BaseModel):
    """A rate's Beta posterior: its parameters, mean and equal-tailed credible interval."""

    alpha: float
    beta: float
    mean: float
    low: float
    high: float


class VariantResult(BaseModel):
    """One draft (variant) of an ad group: what the reports say it did, and what that says about its rates."""

    draft_id: int
    variant: int
    angle: str = ""
    status: str = ""
    label: str = ""  # its first headline (or text), to tell variants apart at a glance
    impressions: int
    clicks: int
    conversions: float
    cost: float
    currency: str = ""
    ctr: RateEstimate
    conversion_rate: RateEstimate
    cost_per_click: float | None = None
    cost_per_conversion: float | None = None
    p_best: float  # probability its value (see the group's objective) is the highest of the group
    p_best_ctr: float  # probability its click-through rate is the highest
    share: float  # the budget share the group's policy recommends


class VariantGroup(BaseModel):
    """The variants that compete for the same placement: one channel's ad group (brief and product)."""

    channel: str
    ad_group: str
    objective: Literal["conversions per impression", "conversions per unit of cost"]
    policy: str
    variants: list[VariantResult] = Field(default_factory=list)
    leader: int | None = None  # the draft most likely best
    decided: bool = False  # the leader's probability best is at least `DECIDED`
    verdict: str = ""


class CampaignResults(ToolResult):
    """A campaign's results per ad group, or the briefs to choose from when the request named none that fits."""

    outcome: Literal["ok", "no_results", "unknown_brief", "ambiguous_brief"] = "ok"
    brief_id: str | None = None
    brief_name: str | None = None
    groups: list[VariantGroup] = Field(default_factory=list)
    impressions: int = 0
    clicks: int = 0
    conversions: float = 0.0
    cost: float = 0.0
    currency: str = ""
    period_start: str | None = None
    period_end: str | None = None
    credible_level: float = 0.95
    draws: int = 0
    seed: int = 0
    briefs: list[CampaignCandidate] = Field(default_factory=list)
    question: str | None = None
    summary: str = ""


class ReportImport(ToolResult):
    """What one imported report added."""

    import_id: int
    filename: str
    layout: str
    platform: str
    rows: int
    drafts: list[int] = Field(default_factory=list)
    briefs: list[str] = Field(default_factory=list)  # "none" for drafts without a brief
    impressions: int = 0
    clicks: int = 0
    conversions: float = 0.0
    cost: float = 0.0
    period_start: str | None = None
    period_end: str | None = None
