"""Typed results of the review tools (pydantic, like `assistant.tools.results`): what the HTTP API returns as JSON,
what the chat and the workspace lay out. No reviewer's name or id is in any of them: aggregates and short quotes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from assistant.tools.results import ToolResult

Polarity = Literal["positive", "neutral", "negative"]


class Quote(BaseModel):
    """One sentence of one review, cited by the review's id."""

    review_id: int
    sku: str = ""
    rating: int
    polarity: Polarity
    text: str
    language: str = ""
    date: str = ""


class AspectCount(BaseModel):
    """What reviews say about one aspect: mentions by polarity, and example quotes (praise and complaints)."""

    aspect: str
    label: str
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    quotes: list[Quote] = Field(default_factory=list)

    @property
    def mentions(self) -> int:
        return self.positive + self.neutral + self.negative

    @property
    def net(self) -> float:
        """(positive - negative) / mentions, in -1..1."""
        return (self.positive - self.negative) / self.mentions if self.mentions else 0.0


class ReviewSummary(ToolResult):
    """What customers say about one product (or the products one name covers)."""

    skus: list[str]
    name: str
    reviews: int = 0
    average_rating: float | None = None
    ratings: dict[int, int] = Field(default_factory=dict)  # stars -> reviews
    sentiment: dict[str, int] = Field(default_factory=dict)  # text polarity -> reviews
    aspects: list[AspectCount] = Field(default_factory=list)  # most mentioned first
    asked_aspect: str | None = None  # set when the question named one aspect ("the fit")


class ComplaintRow(BaseModel):
    sku: str
    name: str
    category: str = ""
    complaints: int  # negative mentions of the aspect
    mentions: int  # all mentions of the aspect
    reviews: int  # the product's reviews
    share: float  # complaints / reviews
    quotes: list[Quote] = Field(default_factory=list)


class ComplaintRanking(ToolResult):
    """Products ranked by complaints about one aspect."""

    aspect: str
    label: str
    products: list[ComplaintRow] = Field(default_factory=list)


class ThemeRow(BaseModel):
    aspect: str
    label: str
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    top_complained: list[str] = Field(default_factory=list)  # product names with most complaints about it


class ReviewThemes(ToolResult):
    """Aspects across the shop (or one category), with their sentiment counts, for the themes view and its plot."""

    category: str | None = None
    reviews: int = 0
    themes: list[ThemeRow] = Field(default_factory=list)


class ReviewImport(ToolResult):
    """What one review import stored."""

    batch: str
    rows: int
    new: int
    replaced: int
    aspects: int  # aspect mentions stored
    skus: int  # products the file covers
