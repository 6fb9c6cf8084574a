"""Product reviews and what they say: one row per review (`product_reviews`) and one per aspect a review mentions
(`review_aspects`, with the sentence that mentions it and its polarity), written together by one import.

No reviewer name, e-mail or id is stored: the tools show aggregates and short quotes, and a quote is only ever a
sentence of the review text. `batch` names the import that wrote a row, so a whole import can be told apart later.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, Float, ForeignKey, Index, Integer, MetaData, Table, Text

from assistant.storage.migrations import AutoId

VERSION = 30
metadata = MetaData()

reviews = Table(
    "product_reviews",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("sku", Text, nullable=False),
    Column("rating", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("reviewed_on", Text, nullable=False),  # ISO date
    Column("language", Text, nullable=False),
    Column("polarity", Text, nullable=False),  # positive | neutral | negative (the text's, not the stars')
    Column("score", Float, nullable=False),  # -1..1
    Column("batch", Text, nullable=False),
    Column(
        "external_id", Text
    ),  # the shop's own review id, when the file has one (re-imports update, not add)
    Index("ix_product_reviews_sku", "sku", "reviewed_on"),
    Index("ux_product_reviews_external", "external_id", unique=True),
)
aspects = Table(
    "review_aspects",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("review_id", AutoId, ForeignKey("product_reviews.id", ondelete="CASCADE"), nullable=False),
    Column("sku", Text, nullable=False),
    Column("aspect", Text, nullable=False),
    Column("polarity", Text, nullable=False),
    Column("score", Float, nullable=False),
    Column("sentence", Text, nullable=False),
    Index("ix_review_aspects_aspect", "aspect", "polarity", "sku"),
    Index("ix_review_aspects_sku", "sku", "aspect"),
    Index("ix_review_aspects_review", "review_id"),
)


def upgrade(conn: Connection) -> None:
    metadata.create_all(conn, tables=[reviews, aspects])
