"""Product reviews and what they say: import (CSV/JSON), sentiment per review and per aspect (English and German),
and the reads behind the review tools (one product's aspects with quotes, complaints by aspect, the shop's themes).

    desk = ReviewDesk.from_services(services)        # engine, catalog and the settings' sentiment model
    desk.import_file("reviews.csv", data)            # -> ReviewImport; BadInput naming each bad row, nothing stored
    desk.book.summary(["FTW-001"], language="de")
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.reviews.aspects import AspectMap
from assistant.reviews.book import ReviewBook
from assistant.reviews.ingest import BadReviewFile, import_reviews
from assistant.reviews.sentiment import SentimentModel, sentiment_model
from assistant.reviews.types import ReviewImport

REVIEW_INPUTS = [
    Path(__file__).with_name(n) for n in ("aspects.yaml", "lexicon.yaml", "seeds.yaml", "demo_reviews.yaml")
] + sorted((Path(__file__).parent / "seed_reviews").glob("*.yaml"))  # the shipped model's training texts


@dataclass
class ReviewDesk:
    """The review room's parts for one shop: its database, its catalog, the sentiment model and the aspect map."""

    engine: Any
    catalog: Any
    model_kind: str = "seeds"

    @classmethod
    def from_services(cls, services: Mapping[str, Any]) -> ReviewDesk:
        settings = services["settings"]
        return cls(services["engine"], services["catalog"], settings.reviews_sentiment)

    @property
    def model(self) -> SentimentModel:
        return sentiment_model(self.model_kind)  # built once per process, on first use

    @property
    def book(self) -> ReviewBook:
        return ReviewBook(self.engine, self.catalog, AspectMap.load())

    def import_file(self, filename: str, data: bytes) -> ReviewImport:
        return import_reviews(self.engine, self.catalog, self.model, AspectMap.load(), filename, data)


def prepare_demo_reviews(engine: Any, catalog: Any, out_csv: Path, model_kind: str = "seeds") -> str:
    """Write the demo shop's reviews (seeded) to `out_csv` and import them (re-imports replace, by review id)."""
    from assistant.reviews.demo import write_reviews_csv

    write_reviews_csv(catalog, out_csv)
    report = ReviewDesk(engine, catalog, model_kind).import_file(out_csv.name, out_csv.read_bytes())
    return f"{report.rows} reviews of {report.skus} products, {report.aspects} aspect mentions"


__all__ = ["BadReviewFile", "ReviewBook", "ReviewDesk", "ReviewImport", "prepare_demo_reviews"]
