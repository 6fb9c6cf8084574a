"""What tools return: typed results, so that replies, UIs and the HTTP API read fields instead of guessing keys.

Every result is a pydantic model: the HTTP API returns `model_dump(mode="json")`, a `ToolCallRecord` stores it as is,
and the reply composer and the workspace tables read its attributes. Field names are the JSON names clients see.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class ToolResult(BaseModel):
    """Base of every tool result."""


class DocHit(BaseModel):
    """One passage of the shop's documents."""

    chunk_id: str
    source: str
    title: str
    anchor: str = ""
    doc_type: str = ""
    heading: str = ""
    score: float = 0.0
    text: str


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


class RecommendedItem(BaseModel):
    """One recommended product with the reason a person can read, and its catalog facts where known."""

    item_id: str
    score: float
    reason: str
    reason_code: str
    related_item: str | None = None
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


class CopyDrafts(ToolResult):
    channel: str
    skus: list[str]
    brief_id: str | None = None
    distinct_2: float | None = None
    drafts: list[DraftOut] = Field(default_factory=list)


def product_items(result: ToolResult | None) -> list[ProductInfo | RecommendedItem]:
    """The products a result lists, in order (empty for results that list none)."""
    if isinstance(result, ProductSearch):
        return list(result.products)
    if isinstance(result, Recommendations):
        return list(result.items)
    if isinstance(result, ProductInfo):
        return [result]
    return []
