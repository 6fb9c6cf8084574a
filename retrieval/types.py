"""Plain data types shared by the retrieval layer and its callers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# What a unit of knowledge is: a run of sentences, one row of a table (read as "Column: value." facts), one question
# with its answer, one item of a list, or one catalog record. Every chunk carries its kind as metadata.
BLOCK_KINDS = ("prose", "table_row", "faq", "list_item", "product")
VISIBILITIES = ("public", "internal")


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

    @property
    def kind(self) -> str:
        """prose | table_row | faq | list_item | product (see `BLOCK_KINDS`)."""
        return str(self.metadata.get("kind", "prose"))

    @property
    def heading_path(self) -> list[str]:
        """The headings above this chunk, outermost first (the document title is the first one when it has one)."""
        return decode_json(self.metadata.get("heading_path"), [])

    @property
    def fields(self) -> dict[str, str]:
        """A table row's cells by column name, or a FAQ unit's {"question", "answer"}; {} for other kinds."""
        if self.kind == "faq":
            return {k: str(self.metadata[k]) for k in ("question", "answer") if k in self.metadata}
        return decode_json(self.metadata.get("row_fields"), {})

    @property
    def language(self) -> str:
        return str(self.metadata.get("language", ""))

    @property
    def visibility(self) -> str:
        return str(self.metadata.get("visibility", ""))


def decode_json(value: Any, default: Any) -> Any:
    """A JSON-encoded metadata value (Chroma stores scalars only), or `default` when absent or malformed."""
    if not isinstance(value, str) or not value:
        return default
    try:
        return json.loads(value)
    except ValueError:
        return default


@dataclass(frozen=True)
class Block:
    """One unit of a document's structure, in reading order, with the headings it sits under.

    `fields` holds what the kind knows beyond its text: a table row's ``{column: cell}``, a FAQ unit's question
    and answer, a list item's lead-in sentence ("Conditions:"), a PDF block's page.
    """

    kind: str
    heading_path: tuple[str, ...]
    text: str
    fields: dict[str, Any] = field(default_factory=dict)


DOC_TYPES = ("product", "policy", "campaign", "page", "other")


@dataclass(frozen=True)
class Document:
    """One logical document read by a loader, before chunking.

    `blocks` is the document's structure (prose, table rows, FAQ units, list items) in reading order, each with its
    heading path. `sections` is the same content as (heading path, text) pairs, consecutive blocks under one heading
    joined: give either and the other is derived (a loader without structure gives one section). `anchor` is set for
    documents that are one record (a product's SKU); otherwise chunk anchors come from the heading slugs. `metadata`
    goes onto every chunk; `load_file` sets its ``language`` and ``visibility``.
    """

    source: str
    title: str
    doc_type: str
    sections: list[tuple[list[str], str]] = field(default_factory=list)
    anchor: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.blocks and not self.sections:
            object.__setattr__(self, "sections", sections_of(self.blocks))
        elif self.sections and not self.blocks:
            kind = "product" if self.doc_type == "product" and self.anchor else "prose"
            blocks = [Block(kind, tuple(path), text) for path, text in self.sections if text.strip()]
            object.__setattr__(self, "blocks", blocks)


def sections_of(blocks: list[Block]) -> list[tuple[list[str], str]]:
    """(heading path, text) per run of consecutive blocks under the same headings."""
    out: list[tuple[list[str], str]] = []
    for b in blocks:
        text = f"- {b.text}" if b.kind == "list_item" else b.text
        if out and tuple(out[-1][0]) == b.heading_path:
            out[-1] = (out[-1][0], f"{out[-1][1]}\n{text}")
        else:
            out.append((list(b.heading_path), text))
    return out


@dataclass
class SearchFilters:
    """Metadata filters of a search. Unset fields do not filter. Prices compare to the product's `price`."""

    category: str | None = None
    min_price: float | None = None
    max_price: float | None = None
    in_stock: bool | None = None
    doc_type: str | None = None
    language: str | None = None  # ISO 639-1 code of the chunk's document ("de")
    visibility: str | None = None  # "public" for what customers may see
    kind: str | None = None  # one of BLOCK_KINDS

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
        unknown = set(data) - set(FILTER_FIELDS)
        if unknown:
            raise ValueError(f"unknown search filter(s): {', '.join(sorted(unknown))}")
        flt = cls(**data)
        if flt.visibility is not None and flt.visibility not in VISIBILITIES:
            raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {flt.visibility!r}")
        if flt.kind is not None and flt.kind not in BLOCK_KINDS:
            raise ValueError(f"kind must be one of {', '.join(BLOCK_KINDS)}, not {flt.kind!r}")
        return flt

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in FILTER_FIELDS)

    def matches(self, meta: dict[str, Any]) -> bool:
        """True when a chunk's metadata passes every set filter (the same rule the Chroma `where` clause applies)."""
        for name in ("doc_type", "language", "visibility", "kind"):
            wanted = getattr(self, name)
            if wanted is not None and meta.get(name) != wanted:
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


FILTER_FIELDS = (
    "category",
    "min_price",
    "max_price",
    "in_stock",
    "doc_type",
    "language",
    "visibility",
    "kind",
)


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
    # public | internal: the file's visibility as its chunks carry it (internal when any record of it is); "" in
    # manifests written before it was recorded
    visibility: str = ""


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
