"""What tools return: typed results, so that replies, UIs and the HTTP API read fields instead of guessing keys.

Every result is a pydantic model: the HTTP API returns `model_dump(mode="json")`, a `ToolCallRecord` stores it as is,
and the reply composer and the workspace tables read its attributes. Field names are the JSON names clients see.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field


class ToolResult(BaseModel):
    """Base of every tool result."""


class DocUnit(BaseModel):
    """One unit of a section (a table row, a list item, a FAQ answer, a run of prose), as the index stored it."""

    kind: str = "prose"  # prose | table_row | faq | list_item
    text: str  # the unit's own text, without the heading prefix
    fields: dict[str, Any] = Field(default_factory=dict)  # a table row's cells by column name
    lead: str = ""  # the sentence (or heading) that introduces a list item's list
    retrieved: bool = False  # the search returned this unit itself (not only its section)


class DocHit(BaseModel):
    """One passage of the shop's documents: one unit, or a whole section (a table, a list) when `units` is set."""

    chunk_id: str
    source: str
    title: str
    anchor: str = ""
    doc_type: str = ""
    heading: str = ""
    score: float = 0.0
    text: str
    language: str = ""  # the passage's language, where the index knows it
    fields: dict[str, Any] = Field(
        default_factory=dict
    )  # a table row's cells or a FAQ unit's question and answer
    kind: str = ""  # the unit's kind (see `DocUnit.kind`); "section" when `units` holds a whole table or list
    lead: str = ""  # a list item's lead (see `DocUnit.lead`)
    units: list[DocUnit] = Field(default_factory=list)  # the section's units in document order


class DocSearch(ToolResult):
    query: str
    hits: list[DocHit] = Field(default_factory=list)


class ProductInfo(ToolResult):
    """A product as evidence: catalog facts (price, stock) win over what the index stored at sync time."""

    sku: str
    name: str
    category: str = ""
    subcategory: str = ""
    price: float | None = None
    currency: str = ""
    stock: int | None = None
    in_stock: bool | None = None
    sizes: list[str] = Field(default_factory=list)
    colours: list[str] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    weight_g: int | None = None
    compatible_with: list[str] = Field(default_factory=list)
    description: str = ""
    source: str = "catalog.csv"
    anchor: str = ""
    text: str = ""
    score: float | None = None


class ProductSearch(ToolResult):
    query: str
    filters: dict[str, Any] = Field(default_factory=dict)
    products: list[ProductInfo] = Field(default_factory=list)


class CatalogFigure(BaseModel):
    """One number the catalog gives for a product, with its unit and the words of the row it was read from."""

    attribute: str  # a lexicon attribute: price, weight, comfort_temperature, capacity, brightness, ...
    label: str  # what it is called in the reply's language ("weight", "Komforttemperatur")
    value: float
    unit: str
    text: str  # as the row writes it: "720 g", "comfort -4 °C", "3,000 mm"
    field: str  # the column it came from: price, weight_g, sizes, name, materials, description


class CatalogRow(BaseModel):
    """A product as a catalog query returns it: the row's facts and the figures the query used."""

    sku: str
    name: str
    category: str = ""
    subcategory: str = ""
    price: float
    currency: str
    stock: int
    in_stock: bool
    sizes: list[str] = Field(default_factory=list)
    colours: list[str] = Field(default_factory=list)
    weight_g: int | None = None
    compatible_with: list[str] = Field(default_factory=list)
    compatible_names: list[str] = Field(default_factory=list)  # the names of those SKUs, in the same order
    figures: dict[str, CatalogFigure] = Field(default_factory=dict)
    source: str = "catalog.csv"
    anchor: str = ""
    text: str = ""  # the whole row, one field a line: the evidence every figure of the reply is in


class ClaimAnswer(BaseModel):
    """Whether a product's row says it is (or does) something: yes, no or unknown, and the words that say so."""

    sku: str
    term: str
    polarity: Literal["yes", "no", "unknown"]
    sentence: str = ""
    field: str = ""
    measured: str = (
        ""  # a description sentence that measures a yes read from a list ("rated at 20,000 mm ...")
    )


class FitAnswer(BaseModel):
    """Whether product `sku` works with product `other`, as the catalog's compatible_with lists and texts say."""

    sku: str
    other: str
    fits: bool
    listed: bool  # one of the two rows lists the other in compatible_with
    sentence: str = (
        ""  # a sentence of either row about the pair ("The Meadow 4 carpet does not fit this tent.")
    )


class CatalogQueryResult(ToolResult):
    """The answer to a structured catalog query (`query_catalog`): rows in answer order, and what was asked."""

    operation: Literal["rank", "filter", "compare", "compatibility", "attribute", "facts"]
    kind: str | None = None  # the kind of product asked about, as the catalog names it
    kind_level: str = "none"  # what matched the kind: name, subcategory, category, or none
    kind_known: bool = True  # False: the shop sells nothing of that kind (`closest` has what comes nearest)
    sort_by: str | None = None  # the attribute the rows are ordered by
    order: Literal["asc", "desc"] = "asc"
    filters: dict[str, Any] = Field(default_factory=dict)  # the filters applied, as given
    ignored_words: list[str] = Field(default_factory=list)  # words no product of the kind is described with
    rows: list[CatalogRow] = Field(default_factory=list)
    without_figure: list[CatalogRow] = Field(default_factory=list)  # of the kind, but no figure to sort by
    total: int = 0  # how many products matched before `limit`
    compared: list[str] = Field(default_factory=list)  # attributes every compared product has, side by side
    claims: list[ClaimAnswer] = Field(default_factory=list)
    fits: list[FitAnswer] = Field(default_factory=list)
    closest: list[CatalogRow] = Field(default_factory=list)
    named: list[str] = Field(default_factory=list)  # SKUs of the products the query named
    targets: list[CatalogRow] = Field(default_factory=list)  # the products results must be compatible with
    unresolved: list[str] = Field(default_factory=list)  # product names that matched nothing


class RecommendedItem(BaseModel):
    """One recommended product with the reason a person can read, and its catalog facts where known."""

    item_id: str
    score: float
    reason: str
    reason_code: str
    related_item: str | None = None
    customers: int | None = None  # for a segment: how many of its customers it is for (durables: not owners)
    name: str | None = None
    price: float | None = None
    currency: str | None = None
    in_stock: bool | None = None

    @property
    def sku(self) -> str:
        return self.item_id


class Recommendations(ToolResult):
    """Products for a customer (`customer_id`, None for nobody in particular) or like a product (`sku`)."""

    customer_id: str | None = None
    sku: str | None = None
    items: list[RecommendedItem] = Field(default_factory=list)


class SegmentInfo(BaseModel):
    """A segment's size and RFM means, what it buys."""

    name: str
    size: int
    share: float
    recency_days: float
    frequency: float
    monetary: float
    top_categories: list[tuple[str, float]] = Field(default_factory=list)
    top_products: list[str] = Field(default_factory=list)


class SegmentList(ToolResult):
    segments: list[SegmentInfo] = Field(default_factory=list)
    silhouette: float | None = None


class SegmentDetail(SegmentInfo, ToolResult):
    """One segment's profile with the products recommended to it."""

    recommended: list[RecommendedItem] = Field(default_factory=list)


class MixShare(BaseModel):
    """How much of what a segment buys is one category or product, beside the whole shop."""

    label: str  # the category or the product's name
    segment_share: float  # share of the segment's purchases (order lines)
    shop_share: float  # share of all the shop's purchases

    @computed_field  # type: ignore[prop-decorator]
    @property
    def lift(self) -> float | None:
        """How many times the shop's share the segment buys (None when the shop never sold it)."""
        return round(self.segment_share / self.shop_share, 2) if self.shop_share > 0 else None


class SegmentRecommendations(ToolResult):
    """What to recommend to one segment, with reasons, and what the segment buys beside the whole shop."""

    segment: str
    size: int  # customers
    share: float  # of all customers
    items: list[RecommendedItem] = Field(default_factory=list)
    categories: list[MixShare] = Field(default_factory=list)
    products: list[MixShare] = Field(default_factory=list)


class AudienceSegment(SegmentInfo):
    """One segment a campaign brief targets, with why it fits (the brief's audience and the segment's RFM)."""

    why: str = ""


class CampaignAudience(ToolResult):
    """Who should get a campaign: the brief's target segments with their sizes, or why no brief was found."""

    outcome: Literal["ok", "unknown_brief", "ambiguous_brief"] = "ok"
    brief_id: str | None = None
    brief_name: str | None = None
    audience: str = ""  # the brief's own description of its audience
    segments: list[AudienceSegment] = Field(default_factory=list)
    missing_segments: list[str] = Field(default_factory=list)  # named by the brief, absent from this shop
    total: int = 0  # customers in those segments
    briefs: list[CampaignCandidate] = Field(default_factory=list)  # to choose from (unknown or ambiguous)
    question: str = ""


class SegmentMembers(ToolResult):
    segment: str
    total: int
    customer_ids: list[str] = Field(default_factory=list)


class CustomerSummary(ToolResult):
    """One customer's record, order totals, segment and recommendations."""

    customer_id: str
    email: str | None = None
    name: str | None = None
    country: str | None = None
    signup_date: str | None = None
    orders: int | None = None
    spent: float | None = None
    first_order: str | None = None
    last_order: str | None = None
    currency: str | None = None
    segment: str | None = None
    recommended: list[RecommendedItem] = Field(default_factory=list)


class HandoffTicket(ToolResult):
    handoff_id: int
    contact: str | None = None
    status: str = "open"


class DraftOut(BaseModel):
    """One ad-copy variant: its fields (a text or a list of lines per field) and where each line came from."""

    variant: int
    angle: str = ""  # benefit | feature | offer | audience
    fields: dict[str, Any]
    # field -> one entry per line: its source (template | model | brief), the facts that back it, its pin
    lines: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    char_counts: dict[str, Any] = Field(default_factory=dict)
    sources: dict[str, Any] = Field(default_factory=dict)
    final_url: str | None = None
    skus: list[str] = Field(
        default_factory=list
    )  # the products this variant (one ad group for RSA, Meta) sells
    quality: list[str] = Field(
        default_factory=list
    )  # set-level quality problems generation found (empty = none)
    ad_strength: dict[str, Any] | None = None  # RSA: grade, what it counts, what is missing for the top grade


class CampaignCandidate(BaseModel):
    """A campaign brief a request may mean."""

    id: str
    name: str
    products: list[str] = Field(default_factory=list)
    segments: list[str] = Field(default_factory=list)
    score: float = 0.0
    reasons: list[str] = Field(default_factory=list)


class CampaignMatches(ToolResult):
    """The briefs a request names, best first: one (`best`), several (ask `question`), or none."""

    request: str
    candidates: list[CampaignCandidate] = Field(default_factory=list)
    question: str = ""

    @property
    def best(self) -> CampaignCandidate | None:
        return self.candidates[0] if len(self.candidates) == 1 else None


# What became of a marketer's copy request, checked against the brief and the shop's data (assistant/tools/brief_check.py):
# ok (draft), questioned (the brief does not grant something asked: ask before drafting), refused (a claim the facts or
# the brief rule out), unknown_brief / ambiguous_brief (list the briefs, or ask which), not_found (no such customer,
# segment or product).
CopyOutcome = Literal["ok", "questioned", "refused", "unknown_brief", "ambiguous_brief", "not_found"]
IssueKind = Literal[
    "unknown_brief",
    "ambiguous_brief",
    "unknown_customer",
    "unknown_segment",
    "unknown_product",
    "channel_not_in_brief",
    "channel_not_supported",
    "product_not_in_brief",
    "segment_not_in_brief",
    "discount_not_granted",
    "offer_not_granted",
    "out_of_stock",
    "claim_banned",
    "claim_unsupported",
]


class RequestIssue(BaseModel):
    """One thing of a copy request that the brief or the data do not allow, with the reason a marketer reads.
    `blocking`: nothing is drafted until the marketer answers (or drops it)."""

    kind: IssueKind
    subject: str  # what was asked: "20% off", "x", "FTW-999", "100% waterproof"
    reason: str
    blocking: bool = True


class CopyRequestCheck(ToolResult):
    """A copy request read against the briefs, the catalog, the customers and segments, before anything is drafted."""

    outcome: CopyOutcome = "ok"
    brief_id: str | None = None
    brief_name: str | None = None
    channel: str | None = None
    skus: list[str] = Field(
        default_factory=list
    )  # what to draft for, out-of-stock products left out by the rule
    left_out: list[str] = Field(default_factory=list)  # products left out (out of stock)
    segment: str | None = None
    customer_id: str | None = None
    discount: str | None = None  # the discount or offer asked for, as written
    claims: list[str] = Field(default_factory=list)  # claims the marketer asked copy to make
    issues: list[RequestIssue] = Field(default_factory=list)
    briefs: list[CampaignCandidate] = Field(
        default_factory=list
    )  # the briefs to choose from (unknown or ambiguous)
    question: str = ""  # what the chat asks back, composed from the issues

    @property
    def drafts_allowed(self) -> bool:
        return self.outcome == "ok"


class CopyDrafts(ToolResult):
    channel: str
    skus: list[str]
    brief_id: str | None = None
    outcome: CopyOutcome = "ok"  # not ok: nothing drafted, `check` says why
    check: CopyRequestCheck | None = None  # the request as checked against the brief and the data
    distinct_2: float | None = None
    drafts: list[DraftOut] = Field(default_factory=list)
    draft_ids: list[int] = Field(
        default_factory=list
    )  # the stored drafts (one per variant), to open in the workspace


def product_items(result: ToolResult | None) -> list[ProductInfo | RecommendedItem]:
    """The products a result lists, in order (empty for results that list none)."""
    if isinstance(result, ProductSearch):
        return list(result.products)
    if isinstance(result, Recommendations):
        return list(result.items)
    if isinstance(result, ProductInfo):
        return [result]
    return []


def catalog_rows(result: ToolResult | None) -> list[CatalogRow]:
    """The rows a catalog query answered with, then the closest products it offered instead."""
    if isinstance(result, CatalogQueryResult):
        return [*result.rows, *result.closest]
    return []


CampaignAudience.model_rebuild()
