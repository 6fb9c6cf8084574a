"""The learned ranker's features: what it knows of one candidate chunk for one query.

Every feature means the same in any shop: scores relative to the query's own candidates (gaps to the best,
standardised, reciprocal ranks), agreement between the two methods, how much of the query a chunk covers, and
document-level evidence relative to the best candidate. Raw cosines, raw BM25 scores and raw lengths drift
between corpora (a longer catalog shifts every BM25 score), so none is used as it is.

Document-level evidence (`DocumentEvidence`) looks past the candidate lists at the whole document a chunk belongs
to (its product, its help page): how close the query is to the document's centroid, how well BM25 matches the
document's whole text, and how much of a "hub" the chunk is (close to everything in other documents, so close to
every query too; discounting it is CSLS, the hubness correction of cross-lingual retrieval).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from retrieval.lexical import BM25Index

if TYPE_CHECKING:
    from retrieval.search import Snapshot

FEATURES = (
    "dense_gap",  # cosine minus the best cosine among the candidates
    "dense_z",  # cosine standardised over the candidates
    "dense_rrank",  # 1 / (1 + rank in the dense list)
    "bm25_norm",  # BM25 / best BM25 among the candidates
    "bm25_z",
    "bm25_rrank",
    "in_both",  # the chunk is in both candidate lists (the methods agree)
    "overlap",  # fraction of query terms present in the chunk
    "idf_coverage",  # the same, each term weighted by its idf: rare terms count more
    "prf_gap",  # cosine to the query moved towards its top dense neighbours (pseudo-relevance feedback), as a gap
    "prf_z",
    "len_rel",  # log token count minus the median over the candidates
    "yes_no_match",  # a yes/no question and a chunk that opens with yes/no
    "yes_no_doc",  # the chunk opens with yes/no (whatever the question)
    "group_gap",  # best cosine among candidates of the same group (product / document) minus the best overall
    "group_mean_gap",  # mean cosine of the candidates of the same group minus the best overall
    "group_log_count",  # log of how many candidates the chunk's group has
    "doc_centroid_gap",  # cosine to the centroid of all the group's chunks (in the index) minus the best candidate's
    "doc_centroid_z",
    "doc_bm25_norm",  # BM25 of the query against the group's whole text / the best candidate group's
    "doc_bm25_z",
    "hub_gap",  # cosine minus half the chunk's hub density (CSLS), as a gap to the best candidate
    "hub_density_rel",  # the chunk's hub density minus the median over the candidates
)

HUB_NEIGHBOURS = 50  # a chunk's hub density: mean cosine to its 50 nearest chunks of other groups
HUB_SAMPLE = 20_000  # ... among at most this many chunks (evenly spaced): bounded cost on a large catalog
_BLOCK = 1024


@dataclass
class DocumentEvidence:
    """Per-group centroids and whole-text BM25, and per-chunk hub density, computed once per snapshot."""

    centroids: np.ndarray  # (groups x dim), unit length
    bm25: BM25Index  # one "text" per group: its chunks' tokens joined
    density: np.ndarray  # per chunk

    @classmethod
    def build(cls, vectors: np.ndarray, group: np.ndarray, tokens: list[list[str]]) -> DocumentEvidence:
        n_groups = int(group.max()) + 1 if len(group) else 0
        sums = np.zeros((n_groups, vectors.shape[1]), dtype=np.float64)
        if n_groups:  # summed per run of one group after a sort (np.add.at is ~10x slower)
            order = np.argsort(group, kind="stable")
            ordered = group[order]
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            sums[ordered[starts]] = np.add.reduceat(vectors[order].astype(np.float64), starts, axis=0)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        centroids = (sums / np.maximum(norms, 1e-9)).astype(np.float32)
        joined: list[list[str]] = [[] for _ in range(n_groups)]
        for g, toks in zip(group.tolist(), tokens, strict=True):
            joined[g].extend(toks)
        return cls(centroids, BM25Index.from_tokens(joined), hub_density(vectors, group))


def hub_density(vectors: np.ndarray, group: np.ndarray, k: int = HUB_NEIGHBOURS) -> np.ndarray:
    """Mean cosine of each chunk to its `k` nearest chunks of OTHER groups (a sample of at most `HUB_SAMPLE`).

    Other groups only: the rows of one table or the answers about one product are each other's neighbours by
    nature, and counting them would discount exactly the documents that say a lot about one thing.
    """
    n = len(vectors)
    out = np.zeros(n, dtype=np.float32)
    if n < 2:
        return out
    ref = np.linspace(0, n - 1, min(n, HUB_SAMPLE)).astype(np.int64)
    ref_vecs, ref_group = vectors[ref], group[ref]
    kk = min(k, len(ref))
    for start in range(0, n, _BLOCK):
        sims = vectors[start : start + _BLOCK] @ ref_vecs.T
        sims[group[start : start + _BLOCK, None] == ref_group[None, :]] = -np.inf
        top = -np.partition(-sims, kk - 1, axis=1)[:, :kk]
        finite = np.isfinite(top)
        # a chunk with fewer than k chunks of other groups: the mean of those it has (none: 0)
        out[start : start + len(top)] = np.where(finite, top, 0.0).sum(axis=1) / np.maximum(
            finite.sum(axis=1), 1
        )
    return out


_YES_NO_OPENERS = frozenset("yes no yep nope yeah nah absolutely definitely correct".split())
_YES_NO_QUESTION = frozenset(
    "is are am was were do does did can could will would should shall has have had may might must wont isnt doesnt "
    "cant dont arent".split()
)


def _first_word(text: str) -> str:
    for tok in text.lower().split():
        word = "".join(ch for ch in tok if ch.isalpha())
        if word:
            return word
    return ""


def opens_yes_no(text: str) -> bool:
    """The text (after a heading prefix "A > B: ") opens with a yes/no answer."""
    body = text.split(": ", 1)[1] if ": " in text[:120] and " > " in text[:120] else text
    return _first_word(body) in _YES_NO_OPENERS


def is_yes_no_question(query: str) -> bool:
    return _first_word(query) in _YES_NO_QUESTION


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - float(x.mean())) / sd if sd > 1e-9 else np.zeros_like(x)


def _norm(x: np.ndarray) -> np.ndarray:
    return x / x.max() if x.max() > 0 else np.zeros_like(x)


def _coverage(query: str, cand: np.ndarray, snap: Snapshot) -> tuple[np.ndarray, np.ndarray]:
    """(fraction of query terms, idf-weighted fraction of query terms) each candidate contains.

    Only terms some chunk holds count, as in BM25 itself: a Spanish question over English pages shares one word
    with them ("PayPal"), and its other words, which no chunk holds, would otherwise weigh the most (the highest idf).
    """
    qterms = {t for t in snap.bm25.query_terms(query) if snap.bm25.knows(t)}
    if not qterms:
        zeros = np.zeros(len(cand), dtype=np.float32)
        return zeros, zeros
    idf = {t: snap.bm25.idf(t) for t in qterms}
    total = sum(idf.values()) or 1.0
    sets = snap.bm25.token_sets
    matched = [qterms & sets[i] for i in cand]
    overlap = np.array([len(m) / len(qterms) for m in matched], dtype=np.float32)
    weighted = np.array([sum(idf[t] for t in m) / total for m in matched], dtype=np.float32)
    return overlap, weighted


def _group_columns(
    query: str, qvec: np.ndarray, cand: np.ndarray, dense: np.ndarray, snap: Snapshot
) -> list[np.ndarray]:
    """The group features: among the candidates (best, mean, count) and over the whole document."""
    group = snap.group[cand]
    _, inverse = np.unique(group, return_inverse=True)
    gmax = np.full(int(inverse.max()) + 1, -1.0, dtype=np.float64)
    np.maximum.at(gmax, inverse, dense)
    counts = np.bincount(inverse)
    gmean = np.bincount(inverse, weights=dense) / counts
    best = float(dense.max())
    evidence = snap.evidence
    centroid = evidence.centroids[group] @ qvec
    doc_bm = evidence.bm25.scores(query)[group]  # one score per group (candidates imply at least one)
    density = evidence.density[cand]
    hub = dense - 0.5 * density
    return [
        gmax[inverse] - best,
        gmean[inverse] - best,
        np.log(counts[inverse]),
        centroid - centroid.max(),
        _z(centroid),
        _norm(doc_bm),
        _z(doc_bm),
        hub - hub.max(),
        density - np.median(density),
    ]


def candidate_features(
    query: str,
    qvec: np.ndarray,
    cand: np.ndarray,
    snap: Snapshot,
    bm25_all: np.ndarray,
    dense_rank: dict[int, int],
    bm25_rank: dict[int, int],
    prf_k: int = 5,
    prf_alpha: float = 0.7,
) -> np.ndarray:
    """Feature matrix (len(cand) x len(FEATURES)) for candidate rows `cand` of the snapshot."""
    vecs = snap.vectors[cand]
    dense = vecs @ qvec
    bm = bm25_all[cand]
    top_dense = cand[np.argsort(-dense)[:prf_k]]
    q2 = qvec + prf_alpha * snap.vectors[top_dense].mean(axis=0)
    prf = vecs @ (q2 / (np.linalg.norm(q2) + 1e-9))
    overlap, idf_cov = _coverage(query, cand, snap)
    length = np.log1p(snap.bm25.lengths[cand])
    yn_doc = snap.yes_no[cand].astype(np.float32)
    nd, nb = len(dense_rank), len(bm25_rank)
    d_rank = np.array([dense_rank.get(int(i), nd) for i in cand], dtype=np.float32)
    b_rank = np.array([bm25_rank.get(int(i), nb) for i in cand], dtype=np.float32)
    cols = [
        dense - float(dense.max()),
        _z(dense),
        1.0 / (1.0 + d_rank),
        _norm(bm),
        _z(bm),
        1.0 / (1.0 + b_rank),
        ((d_rank < nd) & (b_rank < nb)).astype(np.float32),
        overlap,
        idf_cov,
        prf - prf.max(),
        _z(prf),
        length - np.median(length),
        yn_doc * float(is_yes_no_question(query)),
        yn_doc,
        *_group_columns(query, qvec, cand, dense, snap),
    ]
    return np.stack(cols, axis=1).astype(np.float32)
