"""Inputs of ad-copy drafting: product facts and the campaign brief (YAML files in data/demo/campaigns/).

`ProductFacts` takes any product-like dict (the catalog's `Product.model_dump()` fits); `CampaignBrief` is the brief
schema. `load_brief(path)` raises `BadBrief` naming the file and the field.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from generation.errors import BadBrief

Channel = Literal["google-rsa", "meta", "email", "sms", "x"]


class ProductFacts(BaseModel):
    """What copy may say about one product. Everything here counts as a fact; nothing else does."""

    model_config = ConfigDict(extra="ignore")

    sku: str
    name: str
    category: str = ""
    subcategory: str = ""
    price: float | None = None
    currency: str = "EUR"
    stock: int | None = None
    sizes: list[str] = Field(default_factory=list)
    colours: list[str] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    weight_g: int | None = None
    description: str = ""
    url: str | None = None

    @field_validator("sizes", "colours", "materials", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split("|") if v.strip()]
        return value

    def price_text(self) -> str:
        """'169 EUR' or '12.50 EUR' (whole prices without decimals read better in a headline)."""
        if self.price is None:
            return ""
        amount = f"{self.price:.0f}" if float(self.price).is_integer() else f"{self.price:.2f}"
        return f"{amount} {self.currency}"

    def fact_text(self) -> str:
        """All facts as one text, the evidence the guard checks a draft against."""
        parts = [self.name, self.category, self.subcategory]
        if self.price is not None:
            parts.append(f"price {self.price:.2f} {self.currency}")
        if self.sizes:
            parts.append("sizes " + ", ".join(self.sizes))
        if self.colours:
            parts.append("colours " + ", ".join(self.colours))
        if self.materials:
            parts.append("materials " + ", ".join(self.materials))
        if self.weight_g:
            parts.append(f"{self.weight_g} g")
        if self.stock:
            parts.append("in stock")
        parts.append(self.description)
        return ". ".join(p for p in parts if p)


class Dates(BaseModel):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Dates:
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


class BrandVoice(BaseModel):
    tone: list[str] = Field(default_factory=list)
    do: list[str] = Field(default_factory=list)
    dont: list[str] = Field(default_factory=list)


class CampaignBrief(BaseModel):
    """A campaign brief as the marketing team writes it (see data/demo/campaigns/*.yaml)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    name: str
    goal: str = ""
    audience: str = ""
    segments: list[str] = Field(default_factory=list)
    dates: Dates | None = None
    channels: list[Channel] = Field(default_factory=list)
    products: list[str] = Field(default_factory=list)
    offer: str | None = None  # the only promotional fact copy may state
    brand_voice: BrandVoice = Field(default_factory=BrandVoice)
    key_messages: list[str] = Field(default_factory=list)
    claims_allowed: list[str] = Field(default_factory=list)
    claims_banned: list[str] = Field(default_factory=list)
    banned_terms: list[str] = Field(default_factory=list)

    def fact_text(self) -> str:
        """The brief's statements that copy may repeat (offer, key messages, allowed claims)."""
        return "\n".join([self.offer or "", *self.key_messages, *self.claims_allowed])

    def banned_phrases(self) -> list[str]:
        """Banned terms and claims, plus phrases quoted in brand-voice don'ts (e.g. superlatives like "best ever")."""
        quoted = [q for d in self.brand_voice.dont for q in re.findall(r"[\"“]([^\"”]+)[\"”]", d)]
        return [*self.banned_terms, *self.claims_banned, *quoted]

    def forbids_exclamation(self) -> bool:
        return any("exclamation" in d.lower() for d in self.brand_voice.dont)


def load_brief(path: Path) -> CampaignBrief:
    """Read and validate one brief file; `BadBrief` names the file and the first problem."""
    try:
        raw: Any = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BadBrief(f"campaign brief not found: {path}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise BadBrief(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise BadBrief(f"{path}: a brief is a mapping of fields (id, name, products, ...)")
    try:
        return CampaignBrief.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "brief"
        raise BadBrief(f"{path}: field {where}: {err['msg']}") from exc


def find_brief(campaigns_dir: Path, brief_id: str) -> CampaignBrief:
    """The brief with this id (file `<id>.yaml` first, else any file whose `id` matches)."""
    direct = Path(campaigns_dir) / f"{brief_id}.yaml"
    if direct.is_file():
        return load_brief(direct)
    for path in sorted(Path(campaigns_dir).glob("*.y*ml")):
        brief = load_brief(path)
        if brief.id == brief_id:
            return brief
    raise BadBrief(f"no campaign brief with id {brief_id!r} in {campaigns_dir}")
