"""The two model seams: `Recommender` and `Segmenter`. Data in (pandas frames of order lines), artifacts out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Recommendation:
    """One recommended item, with a reason a person can read ("bought together with X", ...)."""

    item_id: str
    score: float
    reason: str
    reason_code: str  # regular | again | together | similar | popular_segment | popular
    related_item: str | None = None  # the X of "bought together with X" / "similar to X"
    customers: int | None = None  # for a segment: how many of its customers the product is for

    def as_dict(self) -> dict:
        return asdict(self)


class Recommender(ABC):
    """Recommends items from implicit feedback (purchases).

    `fit(interactions)` takes order lines: customer_id, item_id, order_id, ordered_at (datetime).
    Unknown customers and items never fail: they fall back to content similarity and popularity.
    """

    @abstractmethod
    def fit(self, interactions: pd.DataFrame) -> Recommender: ...

    @abstractmethod
    def recommend(
        self, customer_id: str, k: int = 10, exclude_purchased: bool = False
    ) -> list[Recommendation]: ...

    @abstractmethod
    def similar(self, item_id: str, k: int = 10) -> list[Recommendation]: ...

    @abstractmethod
    def for_segment(self, segment: str, k: int = 10) -> list[Recommendation]: ...

    @abstractmethod
    def save(self, directory: Path) -> None: ...

    @classmethod
    @abstractmethod
    def load(cls, directory: Path) -> Recommender: ...


@dataclass
class SegmentProfile:
    """What a segment looks like: its size and RFM means, what it buys, what to recommend to it."""

    name: str
    size: int
    share: float
    recency_days: float
    frequency: float
    monetary: float
    top_categories: list[tuple[str, float]] = field(default_factory=list)  # (category, share of spend)
    top_products: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


class Segmenter(ABC):
    """Groups customers into named marketing segments from their orders."""

    @abstractmethod
    def fit(self, orders: pd.DataFrame) -> Segmenter: ...

    @abstractmethod
    def assign(self, customer_id: str) -> str: ...

    @abstractmethod
    def profiles(self) -> list[SegmentProfile]: ...
