"""Inputs of ad-copy drafting: product facts and the campaign brief (YAML files in data/demo/campaigns/).

`ProductFacts` takes any product-like dict (the catalog's `Product.model_dump()` fits) plus the shop's own data that
backs rankings and newness (`sales_rank_90d`, `added_on`); `CampaignBrief` is the brief schema. Both turn into
`Statement`s, each scoped to the product it is about: a brief's "waterproof (Trail Race Jacket, 10,000 mm)" backs the
jacket only, never its sibling. `load_brief(path)` raises `BadBrief` naming the file and the field; `resolve_brief`
(generation/campaigns.py) finds the brief a marketer names.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from generation.claims import Statement, stem
from generation.errors import BadBrief
from generation.guard import split_sentences
from generation.naming import head_noun, mentions, refers_to

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
    # The shop's own data: the only backing for "best seller" / "#1" (sales rank over the last 90 days, 1 = top) and
    # for "new" (the day the product was added to the catalog).
    sales_rank_90d: int | None = Field(default=None, ge=1)
    added_on: dt.date | None = None

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

    def statements(self) -> list[Statement]:
        """The catalog's facts about this product, one statement per field or description sentence."""
        sku = self.sku
        out = [Statement(self.name, f"{sku} name")]
        out += [Statement(t, f"{sku} category") for t in (self.category, self.subcategory) if t]
        if self.price is not None:
            out.append(Statement(f"price {self.price:.2f} {self.currency}", f"{sku} price"))
        if self.sizes:
            out.append(Statement("sizes " + ", ".join(self.sizes), f"{sku} sizes"))
        if self.colours:
            out.append(Statement("colours " + ", ".join(self.colours), f"{sku} colours"))
        out += [Statement(m, f"{sku} materials") for m in self.materials]
        if self.weight_g:
            out.append(Statement(f"{self.weight_g} g", f"{sku} weight"))
        if self.stock is not None:
            out.append(Statement(f"stock: {self.stock}", f"{sku} stock"))
        out += [Statement(s, f"{sku} description") for s in split_sentences(self.description)]
        return out

    def data_claims(self, today: dt.date, *, top_n: int = 10, new_days: int = 90) -> dict[str, str]:
        """The rankings and newness the shop's data back, each with the fact behind it."""
        out = {}
        if self.sales_rank_90d is not None and self.sales_rank_90d <= top_n:
            fact = f"{self.sku} sales rank {self.sales_rank_90d} over the last 90 days"
            out["@bestseller"] = fact
            if self.sales_rank_90d == 1:
                out["@rank1"] = fact
        if self.added_on is not None and 0 <= (today - self.added_on).days <= new_days:
            out["@new"] = f"{self.sku} added to the catalog on {self.added_on.isoformat()}"
        return out

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
    # Phrases every draft must carry somewhere (a legal line, "Reply STOP to opt out", a code the offer needs).
    required: list[str] = Field(default_factory=list)
    # What copy does with a product that is out of stock: leave it out of the drafts, or draft it and flag it.
    out_of_stock: Literal["leave_out", "flag"] = "leave_out"
    # The search keywords the campaign buys, main one first (an RSA set carries the main one in 3+ headlines); without
    # them the product's type ("winter boot") is the main keyword.
    keywords: list[str] = Field(default_factory=list)
    # "per_product": each ad group (RSA, Meta ad set) sells one product; "mixed": the brief lets one sell several.
    ad_group: Literal["per_product", "mixed"] = "per_product"

    def statements_for(self, product: ProductFacts) -> list[Statement]:
        """What the brief states that copy about `product` may repeat: its offer (the only promotion), the key
        messages and allowed claims that are general or name this product. A claim about another product ("waterproof
        (Trail Race Jacket)") is left out, so it never backs a sibling's copy."""
        out = [Statement(self.offer, f"brief {self.id} offer", "offer")] if self.offer else []
        in_brief = not self.products or product.sku in self.products
        for i, claim in enumerate(self.claims_allowed, start=1):
            text, labels = _claim_and_labels(claim)
            names = [lab for lab in labels if lab[:1].isupper()]
            extra = [lab for lab in labels if not lab[:1].isupper()]
            if not names:
                # "EN 12492 certified helmet" is about the helmets: a fact for a product of that noun
                about = in_brief and re.search(rf"\b{re.escape(head_noun(product))}\b", text, re.I)
                out.append(
                    Statement(
                        ", ".join([text, *extra]),
                        f"brief {self.id} allowed claim {i}",
                        "fact" if about else "brief",
                    )
                )
            elif in_brief and any(refers_to(n, product) for n in names):
                out.append(Statement(", ".join([text, *extra]), f"brief {self.id} allowed claim {i}", "fact"))
        for i, message in enumerate(self.key_messages, start=1):
            source = f"brief {self.id} key message {i}"
            if not _names_a_product(message):
                out.append(Statement(message, source, "brief"))
            elif in_brief and mentions(message, product):
                out.append(Statement(message, source, "fact"))
        return out

    def fact_text(self) -> str:
        """The brief's statements that copy may repeat (offer, key messages, allowed claims)."""
        return "\n".join([self.offer or "", *self.key_messages, *self.claims_allowed])

    def banned_phrases(self) -> list[str]:
        """Banned terms and claims, plus phrases quoted in brand-voice don'ts (e.g. superlatives like "best ever")."""
        quoted = [q for d in self.brand_voice.dont for q in re.findall(r"[\"“]([^\"”]+)[\"”]", d)]
        return [*self.banned_terms, *self.claims_banned, *quoted]

    def forbids_exclamation(self) -> bool:
        return any("exclamation" in d.lower() for d in self.brand_voice.dont)


def _claim_and_labels(claim: str) -> tuple[str, list[str]]:
    """ "waterproof (Trail Race Jacket, 10,000 mm, taped seams)" -> ("waterproof", ["Trail Race Jacket", "10,000 mm",
    "taped seams"]); the commas of "10,000" stay."""
    m = re.fullmatch(r"\s*(.+?)\s*\((.+)\)\s*", claim)
    if not m:
        return claim.strip(), []
    labels = [p.strip() for p in re.split(r",(?!\d{3})", m.group(2)) if p.strip()]
    return m.group(1), labels


def _names_a_product(text: str) -> bool:
    """Whether a sentence names something: a capitalised word after its first ("The Meadow 4 pitches ...")."""
    words = re.findall(r"[\w'’-]+", text)
    return any(w[:1].isupper() and w not in ("I", "EU", "EN") for w in words[1:])


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


# -- the campaign a marketer names ------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def campaign_words() -> dict[str, Any]:
    """The words the brief resolver reads in a request (campaign_words.yaml): seasons, cues, stopwords."""
    return yaml.safe_load((Path(__file__).parent / "campaign_words.yaml").read_text(encoding="utf-8"))


@dataclass
class BriefMatch:
    """One candidate brief for a request, its score and why it matched."""

    brief: CampaignBrief
    score: float
    reasons: list[str] = field(default_factory=list)


@dataclass
class BriefResolution:
    """The briefs a request may mean, best first. `best` is set when one stands out; `ambiguous` when several do
    (then ask `question()`); neither when the request names no campaign."""

    candidates: list[BriefMatch] = field(default_factory=list)

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1

    @property
    def best(self) -> CampaignBrief | None:
        return self.candidates[0].brief if len(self.candidates) == 1 else None

    def question(self) -> str:
        names = [f"{m.brief.name} ({m.brief.id})" for m in self.candidates]
        return "Which campaign do you mean: " + ", ".join(names[:-1]) + f" or {names[-1]}?" if names else ""


def load_briefs(campaigns_dir: Path) -> list[CampaignBrief]:
    """Every brief in a folder (`BadBrief` names the first bad file)."""
    return [load_brief(p) for p in sorted(Path(campaigns_dir).glob("*.y*ml"))]


def brief_words(brief: CampaignBrief) -> tuple[set[str], set[str]]:
    """(the words of its id and name, the words of its goal, audience and messages), lowercased."""
    own = set(re.findall(r"[^\W\d_]+", f"{brief.id.replace('-', ' ')} {brief.name}".lower()))
    topic = " ".join([brief.goal, brief.audience, *brief.key_messages])
    return own, {stem(w) for w in re.findall(r"[^\W\d_]+", topic.lower())}


def _seasons(words: set[str], text: str = "") -> set[str]:
    table = campaign_words()["seasons"]
    return {s for s, ws in table.items() if words & set(ws) or any(" " in w and w in text for w in ws)}


@dataclass
class _Request:
    """A marketer's request, read once: its words, season, whether it says "campaign", the channels it names."""

    low: str
    words: set[str]
    content: set[str]
    cue: bool
    seasons: set[str]
    channels: list[str]
    today: dt.date


def _read_request(request: str, today: dt.date | None) -> _Request:
    data = campaign_words()
    low = request.lower()
    words = set(re.findall(r"[^\W\d_]+", low))
    channels = [c for c in ("sms", "email", "meta", "x") if c in words] + (
        ["google-rsa"] if "rsa" in words else []
    )
    return _Request(
        low=low,
        words=words,
        content=words - set(data["stopwords"]),
        cue=bool(words & set(data["campaign_cues"])),
        seasons=_seasons(words, low),
        channels=channels,
        today=today or dt.date.today(),
    )


def _score_brief(
    req: _Request, brief: CampaignBrief, own: set[str], topic: set[str], idf: dict[str, float]
) -> tuple[float, list[str]]:
    """How strongly a request names one brief, and why."""
    data = campaign_words()
    score, why = 0.0, []
    if brief.id.lower() in req.low or brief.name.lower() in req.low:
        score += 10
        why.append("names it")
    hits = req.content & own
    if hits:
        score += sum(2 * idf.get(w, 1.0) for w in hits) + (4 if len(hits) >= 2 else 0)
        why.append("words of its name: " + ", ".join(sorted(hits)))
    season = req.seasons & _seasons(own)
    months = (
        {data["month_seasons"][d.month] for d in (brief.dates.start, brief.dates.end)}
        if brief.dates
        else set()
    )
    dated = req.seasons & months
    if season or dated:
        score += 3 if season else 2
        why.append(f"{sorted(season or dated)[0]} campaign")
    for seg in brief.segments:
        seg_pattern = r"[-\s]+".join(re.escape(w) for w in seg.lower().split())
        if re.search(rf"(?<!\w){seg_pattern}(?!\w)", req.low):
            score += 3
            why.append(f"segment {seg}")
    topical = {stem(w) for w in req.content} & topic if req.cue else set()
    if topical:
        score += min(2.0, sum(0.5 * idf.get(w, 1.0) for w in topical))
        why.append("topic: " + ", ".join(sorted(topical)))
    running = brief.dates is not None and brief.dates.start <= req.today <= brief.dates.end
    if req.cue and req.words & set(data["current_cues"]) and running:
        score += 2
        why.append("running now")
    if score and req.channels and not set(req.channels) & set(brief.channels):
        score -= 0.5
        why.append(f"{req.channels[0]} is not among its channels")
    return score, why


def resolve_brief(
    request: str, briefs: list[CampaignBrief], *, today: dt.date | None = None
) -> BriefResolution:
    """The brief(s) a request names: by id ("alpine-summer-2027"), name ("Above the Treeline"), the words of either
    ("Alpine Summer", "winter trail ads"), season ("the spring campaign"), segment ("for At-risk customers"), or its
    topic next to the word "campaign". Candidates within 80% of the best score are all returned."""
    req = _read_request(request, today)
    own_words = {b.id: brief_words(b) for b in briefs}
    df: dict[str, int] = {}
    for own, topic in own_words.values():
        for w in own | topic:
            df[w] = df.get(w, 0) + 1
    idf = {w: math.log(1 + len(briefs) / n) for w, n in df.items()}
    matches = []
    for brief in briefs:
        score, why = _score_brief(req, brief, *own_words[brief.id], idf)
        if score >= 2:
            matches.append(BriefMatch(brief, round(score, 2), why))
    matches.sort(key=lambda m: -m.score)
    if matches:
        matches = [m for m in matches if m.score >= 0.8 * matches[0].score]
    return BriefResolution(matches)
