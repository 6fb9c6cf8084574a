"""Small fakes of the heavy seams (embedder, knowledge base) for unit tests of the logic around them."""

from __future__ import annotations

import hashlib
import re

import numpy as np

from assistant.commerce.catalog import Catalog, Product
from retrieval.types import Hit, SearchFilters


class HashEmbedder:
    """Bag of words hashed into 256 dimensions, L2-normalised: similar wording -> similar vectors, no model."""

    dim = 256
    name = "hash-embedder"

    def __init__(self):
        self.calls = 0

    def embed(self, texts):
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
            out[i, 0] += 0.01
        return out / np.linalg.norm(out, axis=1, keepdims=True)


class FakeKB:
    """Ranks stored hits by word overlap with the query and applies the real `SearchFilters` rules."""

    def __init__(self, hits: list[Hit]):
        self.hits = hits
        self.queries: list[tuple[str, dict | None]] = []

    def search(self, query, k=5, filters=None, *, language="auto"):  # KnowledgeBase.search's signature
        self.queries.append((query, filters))
        flt = SearchFilters.coerce(filters)
        q = set(re.findall(r"\w+", query.lower()))
        scored = []
        for hit in self.hits:
            if not flt.matches(hit.metadata):
                continue
            overlap = len(q & set(re.findall(r"\w+", hit.text.lower())))
            if overlap:
                scored.append((overlap, hit))
        scored.sort(key=lambda pair: -pair[0])
        return [h for _, h in scored[:k]]


def policy_hit(anchor: str, text: str, source: str = "policies/returns.md") -> Hit:
    heading = f"Returns and refunds > {anchor.replace('-', ' ').capitalize()}"
    return Hit(
        chunk_id=f"{source}#{anchor}",
        text=f"{heading}: {text}",
        source=source,
        score=1.0,
        metadata={"doc_type": "policy", "heading": heading, "visibility": "public"},
        title="Returns and refunds",
        anchor=anchor,
    )


PRODUCTS = [
    Product(sku="FTW-001", name="Talus Mid Waterproof Hiking Boot", category="Footwear", price=169.0, currency="EUR",
            stock=34, description="A waterproof mid-height hiking boot."),
    Product(sku="JKT-001", name="Squall Rain Jacket", category="Jackets", price=129.0, currency="EUR", stock=0,
            description="A light waterproof rain jacket."),
    Product(sku="TNT-001", name="Wisp 1 Ultralight Tent", category="Tents", price=329.0, currency="EUR", stock=3,
            description="A one-person ultralight tent."),
]  # fmt: skip


def product_hit(p: Product, stale_price: float | None = None) -> Hit:
    return Hit(
        chunk_id=f"catalog.csv#{p.sku}",
        text=f"{p.name} (SKU {p.sku})\nPrice: {p.price:.2f} {p.currency}\n{p.description}",
        source="catalog.csv",
        score=1.0,
        metadata={"doc_type": "product", "sku": p.sku, "category": p.category, "price": stale_price or p.price,
                  "currency": p.currency, "stock": p.stock, "in_stock": p.stock > 0, "visibility": "public"},
        title=p.name,
        anchor=p.sku,
    )  # fmt: skip


def demo_catalog() -> Catalog:
    return Catalog(PRODUCTS)


def demo_hits() -> list[Hit]:
    return [
        policy_hit(
            "return-window", "You can return any item within **30 days of delivery** for a full refund."
        ),
        policy_hit(
            "what-counts-as-unused",
            "- **Footwear**: Boots and shoes that have been worn outside **cannot be returned** under the 30-day "
            "return policy.",
        ),
        policy_hit(
            "refunds", "We refund to the original payment method within **14 days** of receiving your return."
        ),
    ] + [product_hit(p) for p in PRODUCTS]
