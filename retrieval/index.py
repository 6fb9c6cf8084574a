"""The Chroma side: a chunk collection with our own embeddings, and a manifest collection of committed sources.

Ingestion is atomic per source. The manifest holds, per source, the content hash ("version") that is committed.
A new version's chunks (whose ids contain the version) are added first, then the manifest entry is switched, then
the old version's chunks are deleted. Readers only trust chunks whose version is the committed one, so a sync killed
at any point leaves the previous version searchable; the next sync re-adds the same ids (upsert: no duplicates) and
removes leftovers.

A third collection (`<name>__state`) holds the index's version: a token every commit and removal replaces, so another
process sharing the index (app servers on one Chroma server) sees with one cheap read that its in-memory snapshot is
stale. It also records the embedding model the chunks' vectors come from: vectors of two models are never mixed or
compared (`KnowledgeBase` checks it before a sync and a search).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.config import RetrievalSettings
from retrieval.errors import IndexModelMismatch, IndexUnavailable
from retrieval.types import Chunk, SearchFilters, SourceInfo

MAX_BATCH = 4000  # Chroma's max batch is 5,461 on this version; stay below it


def _batches(n: int, size: int = MAX_BATCH) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def make_client(settings: RetrievalSettings, chroma_path: Path):
    """A Chroma client: HTTP when `chroma_host` is set, else a persistent client at `chroma_path`."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_host:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
            client.heartbeat()
            return client
        chroma_path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(chroma_path), settings=chroma_settings)
    except Exception as exc:
        where = f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else str(chroma_path)
        raise IndexUnavailable(f"cannot open the Chroma index at {where}: {exc}") from exc


def where_clause(filters: SearchFilters) -> dict[str, Any] | None:
    """The Chroma `where` filter equal to `SearchFilters.matches`."""
    conds: list[dict[str, Any]] = []
    for name in ("doc_type", "language", "visibility", "kind"):
        if getattr(filters, name) is not None:
            conds.append({name: getattr(filters, name)})
    if filters.category is not None:
        conds.append({"category_key": filters.category.lower()})
    if filters.min_price is not None:
        conds.append({"price": {"$gte": float(filters.min_price)}})
    if filters.max_price is not None:
        conds.append({"price": {"$lte": float(filters.max_price)}})
    if filters.in_stock is not None:
        conds.append({"in_stock": bool(filters.in_stock)})
    if not conds:
        return None
    return conds[0] if len(conds) == 1 else {"$and": conds}


def chunk_metadata(chunk: Chunk, version: str, root: str) -> dict[str, Any]:
    """Scalar metadata stored with a chunk in Chroma (None values dropped: Chroma refuses them)."""
    meta = {
        k: v for k, v in chunk.metadata.items() if v is not None and isinstance(v, str | int | float | bool)
    }
    meta.update(source=chunk.source, title=chunk.title, anchor=chunk.anchor, version=version, root=root)
    if "category" in meta:
        meta["category_key"] = str(meta["category"]).lower()
    return meta


class ChromaIndex:
    """Chunks in one collection, the manifest of committed sources in a second one (`<name>__manifest`)."""

    def __init__(self, settings: RetrievalSettings, chroma_path: Path) -> None:
        self.client = make_client(settings, chroma_path)
        name = settings.collection
        self.name = name
        try:
            # embedding_function=None: we always pass our own vectors; Chroma's default one would download a model
            self.chunks = self.client.get_or_create_collection(
                name, embedding_function=None, metadata={"hnsw:space": "cosine"}
            )
            self.manifest = self.client.get_or_create_collection(f"{name}__manifest", embedding_function=None)
            self.state = self.client.get_or_create_collection(f"{name}__state", embedding_function=None)
        except Exception as exc:
            raise IndexUnavailable(f"cannot open Chroma collection {name!r}: {exc}") from exc

    # --- manifest -------------------------------------------------------------------------------------------
    def committed(self) -> dict[str, dict[str, Any]]:
        """source -> manifest metadata (version, doc_type, chunks, ingested_at, root) of every committed source."""
        got = self._call(self.manifest.get, include=["metadatas"])
        return {i: dict(m or {}) for i, m in zip(got["ids"], got["metadatas"] or [], strict=False)}

    def commit(self, source: str, info: SourceInfo) -> None:
        meta = {
            "version": info.content_hash,
            "doc_type": info.doc_type,
            "chunks": info.chunks,
            "ingested_at": info.ingested_at,
            "root": info.root,
            "scope": info.scope,
            "visibility": info.visibility,
        }
        # the manifest needs no vectors, but a collection without an embedding function needs one per record
        self._call(self.manifest.upsert, ids=[source], embeddings=[[0.0]], metadatas=[meta])
        self.bump_version()

    def uncommit(self, source: str) -> None:
        self._call(self.manifest.delete, ids=[source])
        self.bump_version()

    # --- version ----------------------------------------------------------------------------------------------
    def version(self) -> str:
        """The index's version token ("" for an index no process has changed since versions were kept)."""
        got = self._call(self.state.get, ids=["version"], include=["metadatas"])
        metas = got.get("metadatas") or []
        return str((metas[0] or {}).get("token", "")) if metas else ""

    def bump_version(self) -> str:
        """Give the index a new version token (after any change of what is committed)."""
        token = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
        self._call(self.state.upsert, ids=["version"], embeddings=[[0.0]], metadatas=[{"token": token}])
        return token

    def model(self) -> str:
        """The embedding model the index's vectors come from ("" for an index that has not recorded one)."""
        got = self._call(self.state.get, ids=["model"], include=["metadatas"])
        metas = got.get("metadatas") or []
        return str((metas[0] or {}).get("name", "")) if metas else ""

    def check_model(self, name: str, recording: bool) -> None:
        """Raise `IndexModelMismatch` when the index holds vectors of another model than `name`; record `name`
        when `recording` and none is recorded (an index from before models were recorded takes the first)."""
        recorded = self.model()
        if recorded and recorded != name:
            raise IndexModelMismatch(
                f"the index {self.name!r} holds vectors of {recorded}, not of {name}: set "
                "MKA_RETRIEVAL__EMBEDDING_MODEL back to the model it was built with, or give the new model an index "
                "of its own (MKA_RETRIEVAL__COLLECTION or the Chroma path) and sync it"
            )
        if recording and not recorded:
            self._call(self.state.upsert, ids=["model"], embeddings=[[0.0]], metadatas=[{"name": name}])

    # --- chunks ---------------------------------------------------------------------------------------------
    def add(self, chunks: list[Chunk], vectors: np.ndarray, version: str, root: str) -> None:
        for sl in _batches(len(chunks)):
            part = chunks[sl]
            self._call(
                self.chunks.upsert,
                ids=[c.chunk_id for c in part],
                embeddings=vectors[sl],
                documents=[c.text for c in part],
                metadatas=[chunk_metadata(c, version, root) for c in part],
            )

    def source_chunks(self, source: str, with_embeddings: bool = False) -> dict[str, Any]:
        include = ["metadatas"] + (["embeddings"] if with_embeddings else [])
        return self._call(self.chunks.get, where={"source": source}, include=include)

    def delete_other_versions(self, source: str, keep_version: str | None) -> int:
        """Delete the chunks of `source` whose version is not `keep_version` (all of them when None)."""
        got = self._call(self.chunks.get, where={"source": source}, include=["metadatas"])
        stale = [
            i
            for i, m in zip(got["ids"], got["metadatas"] or [], strict=False)
            if (m or {}).get("version") != keep_version
        ]
        for sl in _batches(len(stale)):
            self._call(self.chunks.delete, ids=stale[sl])
        return len(stale)

    def all_chunks(self, with_embeddings: bool = True) -> dict[str, Any]:
        include = ["documents", "metadatas"] + (["embeddings"] if with_embeddings else [])
        total = self.count_raw()
        ids: list[str] = []
        docs: list[str] = []
        metas: list[dict[str, Any]] = []
        embs: list[np.ndarray] = []
        page = 5000
        for offset in range(0, total, page):
            got = self._call(self.chunks.get, include=include, limit=page, offset=offset)
            ids += got["ids"]
            docs += got["documents"] or []
            metas += [dict(m or {}) for m in got["metadatas"] or []]
            if with_embeddings and len(got["ids"]):
                embs.append(np.asarray(got["embeddings"], dtype=np.float32))
        emb = np.concatenate(embs) if embs else np.zeros((0, 0), dtype=np.float32)
        return {"ids": ids, "documents": docs, "metadatas": metas, "embeddings": emb}

    def query(
        self, vector: np.ndarray, n: int, where: dict[str, Any] | None
    ) -> tuple[list[str], list[float]]:
        """Nearest chunks to `vector`: (ids, cosine similarities)."""
        got = self._call(
            self.chunks.query, query_embeddings=[vector], n_results=n, where=where, include=["distances"]
        )
        ids = got["ids"][0] if got["ids"] else []
        dists = got["distances"][0] if got.get("distances") else []
        return list(ids), [1.0 - float(d) for d in dists]

    def count_raw(self) -> int:
        return int(self._call(self.chunks.count))

    @staticmethod
    def _call(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except Exception as exc:
            # connection failures of the HTTP client become one error the assistant maps to 503
            name = type(exc).__name__
            if "Connect" in name or "Timeout" in name or "Connection" in str(exc):
                raise IndexUnavailable(f"the Chroma index is unavailable: {exc}") from exc
            raise
