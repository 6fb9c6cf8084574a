"""Vectors for a source's chunks at ingest: stored ones reused by text hash, the rest embedded in length-sorted batches.

Kept apart from `KnowledgeBase` so that the sync logic reads as what it does (add, commit, delete) and this part as
how vectors are obtained; the cross-lingual channel runs the same code with its own model.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from retrieval.index import ChromaIndex

EmbedFn = Callable[[list[str]], np.ndarray]


def vectors_for(
    chunks: list, index: ChromaIndex, source: str, embed: EmbedFn, batch: int, progress: bool
) -> tuple[np.ndarray, int]:
    """(vectors for `chunks`, how many were embedded): stored vectors are reused for chunk texts the source already
    had, so a changed file re-embeds only its changed chunks. `embed` is called only when something is new (the
    model is then loaded only when needed)."""
    if not chunks:
        return np.zeros((0, 1), dtype=np.float32), 0
    reuse: dict[str, np.ndarray] = {}
    old = index.source_chunks(source, with_embeddings=True)
    if old["ids"]:
        for meta, emb in zip(old["metadatas"], old["embeddings"], strict=False):
            reuse[(meta or {}).get("text_hash", "")] = np.asarray(emb, dtype=np.float32)
    todo = [i for i, c in enumerate(chunks) if c.metadata["text_hash"] not in reuse]
    fresh = embed_sorted([chunks[i].text for i in todo], embed, batch, progress) if todo else None
    dim = fresh.shape[1] if fresh is not None else len(next(iter(reuse.values())))
    out = np.zeros((len(chunks), dim), dtype=np.float32)
    for j, i in enumerate(todo):
        out[i] = fresh[j]
    for i, c in enumerate(chunks):
        if c.metadata["text_hash"] in reuse:
            out[i] = reuse[c.metadata["text_hash"]]
    return out, len(todo)


def embed_sorted(texts: list[str], embed: EmbedFn, batch: int, progress: bool) -> np.ndarray:
    """Embed in batches of similar length (padding to the longest text of a batch is what costs time)."""
    batch = max(batch, 1)
    if len(texts) <= batch:
        return embed(texts)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    starts = range(0, len(texts), batch)
    if progress:
        from tqdm import tqdm

        starts = tqdm(starts, desc="embedding", unit="batch", leave=False)
    parts = [embed([texts[i] for i in order[s : s + batch]]) for s in starts]
    sorted_vecs = np.concatenate(parts)
    out = np.empty_like(sorted_vecs)
    out[np.asarray(order)] = sorted_vecs
    return out
