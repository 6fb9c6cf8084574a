"""The shapes of ad-copy drafting: what to draft (`CopyRequest`), one variant with its lines (`Draft`, `LineInfo`) and
a result (`CopyResult`). Their own module, so that the rules and templates can name them without importing the
drafting loop."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from generation.brief import CampaignBrief, Channel, ProductFacts
from generation.copy_quality import AdStrength
from generation.shop_points import ShopPoints

__all__ = ["CopyRequest", "CopyResult", "Draft", "LineInfo"]


class CopyRequest(BaseModel):
    """What to draft. `tone` overrides the brief's tone; `segment` / `audience` steer wording only. `today` is the
    day "new" is measured from (a product added within 90 days of it may be called new)."""

    products: list[ProductFacts] = Field(min_length=1)
    channel: Channel
    brief: CampaignBrief | None = None
    audience: str | None = None
    segment: str | None = None
    tone: list[str] = Field(default_factory=list)
    variants: int = Field(default=3, ge=1, le=10)
    final_url: str = ""  # the ads' landing page; the exports make a path absolute under the shop's address
    today: dt.date = Field(default_factory=dt.date.today)
    samples: int = Field(default=2, ge=1, le=8)  # model calls per field when a model drafts
    # The shop's selling points read from its own pages (generation/shop_points.py); None = none are used.
    shop: ShopPoints | None = None


class LineInfo(BaseModel):
    """One shown line: where it came from, the facts that back it, and a pinning suggestion (RSA)."""

    text: str
    source: str  # template | model | brief
    backing: list[str] = Field(default_factory=list)
    pin: int | None = None


class Draft(BaseModel):
    """One variant for one channel: field values (a string, or a list of lines), its angle, and per line where it
    came from and what backs it."""

    channel: Channel
    variant: int
    angle: str = "benefit"
    fields: dict[str, str | list[str]]
    sources: dict[str, str] = Field(default_factory=dict)  # field -> "template" | "model" | "brief" | "mixed"
    lines: dict[str, list[LineInfo]] = Field(default_factory=dict)
    final_url: str = ""
    skus: list[str] = Field(
        default_factory=list
    )  # the products this draft (an ad group, for RSA and Meta) sells
    quality: list[str] = Field(default_factory=list)  # set-level quality problems left (empty = none)
    ad_strength: AdStrength | None = None  # RSA sets: the ad-strength style report

    def char_counts(self) -> dict[str, int | list[int]]:
        return {k: [len(x) for x in v] if isinstance(v, list) else len(v) for k, v in self.fields.items()}

    def texts(self) -> list[str]:
        return [t for v in self.fields.values() for t in (v if isinstance(v, list) else [v])]


class CopyResult(BaseModel):
    channel: Channel
    drafts: list[Draft]
    distinct_2: float  # unique word bigrams / all bigrams across the drafts (1.0 = no repetition)
    llm_lines_kept: int = 0
    llm_lines_rejected: int = 0
    rejections: list[str] = Field(default_factory=list)  # why lines were dropped (first few), for the curious
