"""Content similarity between products from their text (name, category, description), for cold-start items.

The seam is `TextEncoder.encode(texts) -> np.ndarray` of L2-normalised rows. `tfidf` needs nothing; `embedder` uses the
retrieval layer's embedder (the bundled all-MiniLM-L6-v2) when that layer provides `retrieval.get_embedder`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize


class TextEncoder(Protocol):
    """Turns product texts into L2-normalised vectors (dense or scipy sparse rows)."""

    def encode(self, texts: list[str]): ...


class TfidfEncoder:
    """Word and character n-gram TF-IDF: robust on short upper-case product names like UCI's."""

    def encode(self, texts: list[str]):
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), min_df=1, sublinear_tf=True)
        return normalize(vectorizer.fit_transform([t.lower() for t in texts]))


class EmbedderEncoder:
    """Sentence embeddings from the retrieval layer's `Embedder` (normalised by contract)."""

    def __init__(self, embedder):
        self._embedder = embedder

    def encode(self, texts: list[str]):
        return np.asarray(self._embedder.embed(texts), dtype=np.float32)


def make_encoder(kind: str = "auto", retrieval_settings=None) -> TextEncoder:
    """`tfidf`, or `embedder`/`auto` (the retrieval layer's sentence embedder)."""
    if kind == "tfidf":
        return TfidfEncoder()
    from retrieval import get_embedder

    return EmbedderEncoder(get_embedder(retrieval_settings))


def content_neighbours(vectors, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-`k` most similar other rows for each row (cosine): (indices int32 [n, k], scores float32 [n, k]).
    Missing neighbours are -1 / 0."""
    n = vectors.shape[0]
    idx = np.full((n, k), -1, dtype=np.int32)
    val = np.zeros((n, k), dtype=np.float32)
    if n < 2 or k == 0:
        return idx, val
    block = 2048  # bounded memory on big catalogs
    for start in range(0, n, block):
        sims = vectors[start : start + block] @ vectors.T
        sims = np.asarray(sims.todense() if hasattr(sims, "todense") else sims, dtype=np.float32)
        rows = np.arange(sims.shape[0])
        sims[rows, rows + start] = -np.inf  # not itself
        kk = min(k, n - 1)
        top = np.argpartition(-sims, kk - 1, axis=1)[:, :kk]
        order = np.argsort(-np.take_along_axis(sims, top, axis=1), axis=1)
        top = np.take_along_axis(top, order, axis=1)
        idx[start : start + sims.shape[0], :kk] = top
        val[start : start + sims.shape[0], :kk] = np.take_along_axis(sims, top, axis=1)
    return idx, val


def merged_neighbours(
    S: np.ndarray, content_idx: np.ndarray | None, content_val: np.ndarray | None, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per item, up to `k` neighbours: co-purchase ones (`S`, items x items) first, then content ones (kind 1) that
    are not among them. (items int32 [n, k] with -1 where fewer, scores float32, kind int8: 0 co-purchase, 1 text)."""
    n_items = S.shape[0]
    kk = min(k, max(n_items - 1, 0))
    co_idx = np.argsort(-S, axis=1)[:, :kk] if kk else np.zeros((n_items, 0), dtype=np.int64)
    co_val = np.take_along_axis(S, co_idx, axis=1)
    nb_items = np.full((n_items, k), -1, dtype=np.int32)
    nb_scores = np.zeros((n_items, k), dtype=np.float32)
    nb_kind = np.zeros((n_items, k), dtype=np.int8)
    for row in range(n_items):
        chosen = [(int(j), float(v), 0) for j, v in zip(co_idx[row], co_val[row], strict=True) if v > 0]
        if content_idx is not None:
            seen = {j for j, _, _ in chosen}
            chosen += [
                (int(j), float(v) * 0.5, 1)  # below any real co-purchase of similar strength
                for j, v in zip(content_idx[row], content_val[row], strict=True)
                if j >= 0 and j not in seen and v > 0
            ]
        for col, (j, v, kind) in enumerate(chosen[:k]):
            nb_items[row, col], nb_scores[row, col], nb_kind[row, col] = j, v, kind
    return nb_items, nb_scores, nb_kind
