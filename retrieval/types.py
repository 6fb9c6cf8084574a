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
