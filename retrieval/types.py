"""Plain data types shared by the retrieval layer and its callers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Citation:
    """Where a piece of evidence came from, enough to show and link it."""

    source: str  # path relative to the ingested root, e.g. "policies/returns.md" or "catalog.csv"
    title: str  # document or section title
    anchor: str = ""  # heading slug or SKU; "" for the whole document
    chunk_id: str = ""

    @property
    def label(self) -> str:
        return f"{self.title} ({self.source}{'#' + self.anchor if self.anchor else ''})"


@dataclass(frozen=True)
class Chunk:
    """One indexed piece of a document. `chunk_id` is stable: the same source and position give the same id."""

    chunk_id: str
    text: str
    source: str
    title: str
    anchor: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    """One search result: a chunk, its fused score and its citation."""

    chunk_id: str
    text: str
    source: str
    score: float
    metadata: dict[str, Any] = field(default_factory=dict)
    title: str = ""
    anchor: str = ""

    @property
    def citation(self) -> Citation:
        return Citation(source=self.source, title=self.title, anchor=self.anchor, chunk_id=self.chunk_id)


DOC_TYPES = ("product", "policy", "campaign", "page", "other")


@dataclass(frozen=True)
class Document:
    """One logical document read by a loader, before chunking.

    `sections` holds (heading path, text) pairs for structured formats (Markdown/HTML); a loader that has no structure
    puts the whole text in one section with an empty heading path. `anchor` is set for documents that are one record
    (a product's SKU); otherwise chunk anchors come from the heading slugs.
    """

    source: str
    title: str
    doc_type: str
    sections: list[tuple[list[str], str]]
    anchor: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class SearchFilters:
    """Metadata filters of a search. Unset fields do not filter. Prices compare to the product's `price`."""

    category: str | None = None
    min_price: float | None = None
    max_price: float | None = None
    in_stock: bool | None = None
    doc_type: str | None = None

    @classmethod
    def coerce(cls, value: SearchFilters | dict[str, Any] | None) -> SearchFilters:
        """Accept a `SearchFilters`, a plain dict with the same keys (``type`` is taken for ``doc_type``) or None."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        data = dict(value)
        if "type" in data and "doc_type" not in data:
            data["doc_type"] = data.pop("type")
        unknown = set(data) - {"category", "min_price", "max_price", "in_stock", "doc_type"}
        if unknown:
            raise ValueError(f"unknown search filter(s): {', '.join(sorted(unknown))}")
        return cls(**data)

    def is_empty(self) -> bool:
        return all(
            v is None for v in (self.category, self.min_price, self.max_price, self.in_stock, self.doc_type)
        )

    def matches(self, meta: dict[str, Any]) -> bool:
        """True when a chunk's metadata passes every set filter (the same rule the Chroma `where` clause applies)."""
        if self.doc_type is not None and meta.get("doc_type") != self.doc_type:
            return False
        if self.category is not None and str(meta.get("category", "")).lower() != self.category.lower():
            return False
        price = meta.get("price")
        if self.min_price is not None and (price is None or price < self.min_price):
            return False
        if self.max_price is not None and (price is None or price > self.max_price):
            return False
        if self.in_stock is not None and meta.get("in_stock") is not self.in_stock:
            return False
        return True


@dataclass(frozen=True)
class SourceInfo:
    """One ingested source as recorded in the manifest."""

    source: str
    doc_type: str
    chunks: int
    content_hash: str
    ingested_at: str  # ISO 8601, UTC
    root: str = ""  # absolute folder the source path is relative to
    scope: str = "dir"  # "dir" when ingested as part of a folder, "file" when the file was ingested alone


@dataclass
class SyncReport:
    """What one `KnowledgeBase.sync` did, source by source."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    embedded_chunks: int = 0  # chunks that went through the embedder (reused embeddings are not counted)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)
