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
