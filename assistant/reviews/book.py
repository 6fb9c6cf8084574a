"""The stored reviews read back for marketers and customers: one product's aspects with quotes, products ranked by
complaints about an aspect, and the shop's themes. Reads only; `ingest` writes.

    book = ReviewBook(engine, catalog)
    book.summary(["FTW-001", "FTW-002"], language="en")
    book.complaints("fit", limit=10)
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from sqlalchemy import Engine, func, select

from assistant.errors import BadInput, NotFound
from assistant.reviews.aspects import AspectMap
from assistant.reviews.types import (
    AspectCount,
    ComplaintRanking,
    ComplaintRow,
    Quote,
    ReviewSummary,
    ReviewThemes,
    ThemeRow,
)
from assistant.security import sanitize_evidence
from assistant.storage.migrations.m0030_reviews import aspects as A
from assistant.storage.migrations.m0030_reviews import reviews as R

QUOTES_PER_SIDE = 2
# A quote is shown to customers too: an address or a number that could reach someone is blanked out of it.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d ()/-]{6,}\d")
_URL = re.compile(r"https?://\S+|www\.\S+", re.I)


def redact(text: str) -> str:
    """The sentence with e-mail addresses, phone numbers and links replaced by "[…]", and chat-template tokens or
    role markers neutralised (a quote may reach a model as a tool result)."""
    for pattern in (_EMAIL, _URL, _PHONE):
        text = pattern.sub("[…]", text)
    return sanitize_evidence(text)


class ReviewBook:
    """Reads of the review tables, with the catalog for product names and categories."""

    def __init__(self, engine: Engine, catalog, aspects: AspectMap | None = None):
        self.engine = engine
        self.catalog = catalog
        self.aspects = aspects or AspectMap.load()

    def _name(self, sku: str) -> str:
        return self.catalog.get(sku).name if sku in self.catalog else sku

    def _mentions(self, skus: Iterable[str] | None, aspect: str | None = None) -> list:
        query = select(
            A.c.review_id, A.c.sku, A.c.aspect, A.c.polarity, A.c.score, A.c.sentence,
            R.c.rating, R.c.language, R.c.reviewed_on,
        ).join(R, R.c.id == A.c.review_id)  # fmt: skip
        if skus is not None:
            query = query.where(A.c.sku.in_(list(skus)))
        if aspect is not None:
            query = query.where(A.c.aspect == aspect)
        with self.engine.connect() as conn:
            return list(conn.execute(query.order_by(A.c.review_id)))

    @staticmethod
    def _quotes(rows: list, polarity: str, language: str, n: int) -> list[Quote]:
        """The strongest `n` sentences of one polarity, the asker's language first, newer first on ties."""
        picked = [r for r in rows if r.polarity == polarity]
        picked.sort(key=lambda r: (r.language != language, -abs(r.score), r.reviewed_on), reverse=False)
        seen: set[object] = set()
        out = []
        for r in picked:
            if r.review_id in seen or r.sentence in seen:  # one quote per review, and no sentence twice
                continue
            seen |= {r.review_id, r.sentence}
            out.append(
                Quote(
                    review_id=r.review_id, sku=r.sku, rating=r.rating, polarity=r.polarity,
                    text=redact(r.sentence), language=r.language, date=r.reviewed_on,
                )
            )  # fmt: skip
            if len(out) == n:
                break
        return out

    def summary(
        self, skus: list[str], language: str = "en", aspect: str | None = None, name: str | None = None
    ) -> ReviewSummary:
        """What reviews of these products say: ratings, text sentiment, aspects with counts and quotes."""
        with self.engine.connect() as conn:
            rows = list(conn.execute(select(R.c.rating, R.c.polarity).where(R.c.sku.in_(skus))))
        result = ReviewSummary(
            skus=skus,
            name=name or ", ".join(self._name(s) for s in skus),
            reviews=len(rows),
            average_rating=round(sum(r.rating for r in rows) / len(rows), 2) if rows else None,
            ratings={k: v for k, v in sorted(Counter(r.rating for r in rows).items())},
            sentiment=dict(Counter(r.polarity for r in rows)),
            asked_aspect=aspect,
        )
        by_aspect: dict[str, list] = defaultdict(list)
        for m in self._mentions(skus, aspect):
            by_aspect[m.aspect].append(m)
        for key, mentions in by_aspect.items():
            counts = Counter(m.polarity for m in mentions)
            quotes = self._quotes(mentions, "negative", language, QUOTES_PER_SIDE)
            quotes = self._quotes(mentions, "positive", language, QUOTES_PER_SIDE) + quotes
            result.aspects.append(
                AspectCount(
                    aspect=key, label=self.aspects.label(key, language), positive=counts["positive"],
                    neutral=counts["neutral"], negative=counts["negative"], quotes=quotes,
                )
            )  # fmt: skip
        result.aspects.sort(key=lambda a: (-a.mentions, a.aspect))
        return result

    def resolve_aspect(self, word: str) -> str:
        aspect = self.aspects.resolve(word)
        if aspect is None:
            known = ", ".join(self.aspects.aspects)
            raise BadInput(f"unknown aspect {word!r}; the aspects reviews are read for are: {known}")
        return aspect

    def complaints(self, aspect: str, limit: int = 10, category: str | None = None) -> ComplaintRanking:
        """Products ranked by negative mentions of `aspect` (then by their share of the product's reviews)."""
        mentions = self._mentions(self._skus_of(category), aspect)
        with self.engine.connect() as conn:
            totals = dict(conn.execute(select(R.c.sku, func.count()).group_by(R.c.sku)).all())
        by_sku: dict[str, list] = defaultdict(list)
        for m in mentions:
            by_sku[m.sku].append(m)
        rows = []
        for sku, ms in by_sku.items():
            negative = sum(m.polarity == "negative" for m in ms)
            if not negative:
                continue
            product = self.catalog.get(sku) if sku in self.catalog else None
            rows.append(
                ComplaintRow(
                    sku=sku, name=self._name(sku), category=product.category if product else "",
                    complaints=negative, mentions=len(ms), reviews=totals.get(sku, 0),
                    share=round(negative / max(1, totals.get(sku, 0)), 3),
                    quotes=self._quotes(ms, "negative", "en", QUOTES_PER_SIDE),
                )
            )  # fmt: skip
        rows.sort(key=lambda r: (-r.complaints, -r.share, r.sku))
        return ComplaintRanking(aspect=aspect, label=self.aspects.label(aspect), products=rows[:limit])

    def _skus_of(self, category: str | None) -> list[str] | None:
        if not category:
            return None
        wanted = category.strip().lower()
        skus = [p.sku for p in self.catalog if p.category.lower() == wanted]
        if not skus:
            raise NotFound(
                f"no category {category!r}; the shop's categories: {', '.join(self.catalog.categories)}"
            )
        return skus

    def themes(self, category: str | None = None, top: int = 3) -> ReviewThemes:
        """Every aspect's mentions by polarity across the shop (or one category), most mentioned first."""
        skus = self._skus_of(category)
        counts: dict[str, Counter] = defaultdict(Counter)
        complained: dict[str, Counter] = defaultdict(Counter)
        for m in self._mentions(skus):
            counts[m.aspect][m.polarity] += 1
            if m.polarity == "negative":
                complained[m.aspect][m.sku] += 1
        with self.engine.connect() as conn:
            query = select(func.count()).select_from(R)
            reviews = conn.execute(query.where(R.c.sku.in_(skus)) if skus else query).scalar_one()
        rows = [
            ThemeRow(
                aspect=key, label=self.aspects.label(key), positive=c["positive"], neutral=c["neutral"],
                negative=c["negative"], top_complained=[self._name(s) for s, _ in complained[key].most_common(top)],
            )
            for key, c in counts.items()
        ]  # fmt: skip
        rows.sort(key=lambda r: -(r.positive + r.neutral + r.negative))
        return ReviewThemes(category=category, reviews=int(reviews), themes=rows)
