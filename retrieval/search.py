"""Hybrid search: dense (Chroma) + BM25 candidates, re-scored by a small learned ranker over both signals.

Why not plain reciprocal rank fusion: on real shop Q&A (bench/retrieval.py) RRF scored *below* dense alone, because
BM25 is much weaker there and RRF gives both lists equal say. The ranker instead combines dense and BM25 evidence
with weights learned by logistic regression on training queries (odd qa_id rows of the Amazon Appliances Q&A data;
development rows are never used) and shipped as data in `ranker.json`. Its features (retrieval/features.py) are chosen to
mean the same in any shop (scores relative to the query's own candidates, agreement between the methods, query-term
coverage, evidence from the chunk's whole document), so that weights learned on one corpus carry over to another
(bench/retrieval.py checks a second category it never trains on). `fusion="rrf"`, `"dense"` or `"bm25"` in the settings switch to the plain methods (the benchmark reports
them side by side).

Language: chunks in the query's language rank before equally relevant chunks in other languages (a prior added in
log-odds, `RetrievalSettings.language_boost`); when the index has no page in the query's language, only the
fallback language's pages (English) are searched.

Headings: a chunk whose headings (or FAQ question) name the question's terms gets a prior in log-odds too
(`RetrievalSettings.heading_boost`, retrieval/headings.py); chunks without headings (catalog rows, Q&A records) are
ranked by the ranker alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from retrieval.config import RetrievalSettings
from retrieval.features import FEATURES, DocumentEvidence, candidate_features, opens_yes_no
from retrieval.headings import heading_match, label_terms
from retrieval.index import ChromaIndex, where_clause
from retrieval.lexical import BM25Index
from retrieval.types import Hit, SearchFilters

RANKER_PATH = Path(__file__).with_name("ranker.json")


@dataclass
class Snapshot:
    """The committed chunks in memory: texts, metadata, vectors and their BM25 index (rebuilt after a sync)."""

    ids: list[str]
    texts: list[str]
    metas: list[dict[str, Any]]
    vectors: np.ndarray
    bm25: BM25Index
    row: dict[str, int]
    group: np.ndarray  # int group id per row: the `group` metadata when present, else the source
    yes_no: np.ndarray  # bool per row: the text opens with a yes/no answer
    language: np.ndarray  # the chunk's language code per row ("" when unknown)
    labels: list[
        frozenset[str]
    ]  # analysed terms of the chunk's headings and FAQ question (retrieval/headings.py)
    evidence: DocumentEvidence  # whole-document centroids, BM25 and hub density (retrieval/features.py)

    @property
    def size(self) -> int:
        return len(self.ids)

    @classmethod
    def load(cls, index: ChromaIndex) -> Snapshot:
        committed = {s: m.get("version") for s, m in index.committed().items()}
        got = index.all_chunks(with_embeddings=True)
        keep = [
            i
            for i, m in enumerate(got["metadatas"])
            if committed.get(m.get("source", "")) == m.get("version")
        ]
        ids = [got["ids"][i] for i in keep]
        texts = [got["documents"][i] or "" for i in keep]
        metas = [got["metadatas"][i] for i in keep]
        vectors = got["embeddings"][keep] if keep else np.zeros((0, 1), dtype=np.float32)
        return cls.from_arrays(ids, texts, metas, vectors)

    @classmethod
    def from_arrays(
        cls, ids: list[str], texts: list[str], metas: list[dict[str, Any]], vectors: np.ndarray
    ) -> Snapshot:
        keys: dict[str, int] = {}
        group = np.array([keys.setdefault(group_key(m), len(keys)) for m in metas], dtype=np.int64)
        yes_no = np.array([opens_yes_no(t) for t in texts], dtype=bool)
        language = np.array([str(m.get("language") or "") for m in metas], dtype=object)
        row = {cid: i for i, cid in enumerate(ids)}
        labels = [label_terms(m) for m in metas]
        bm25 = BM25Index(texts, [str(m.get("language") or "en") for m in metas])
        evidence = DocumentEvidence.build(vectors, group, bm25.tokens)
        return cls(ids, texts, metas, vectors, bm25, row, group, yes_no, language, labels, evidence)

    def languages(self) -> set[str]:
        return set(self.language.tolist())


@lru_cache(maxsize=4)
def load_ranker(path: str = str(RANKER_PATH)) -> dict[str, Any]:
    """Feature names, scaling and weights of the learned linear ranker (see bench/retrieval.py --train)."""
    return json.loads(Path(path).read_text())


def expand(feats: np.ndarray, model: dict[str, Any]) -> np.ndarray:
    """Standardised features plus, for a quadratic model, every pairwise product of them (i <= j).

    With `clip` in the model, the products are taken of the standardised features clipped to +-clip: a shop whose
    numbers lie far outside the training data (a help page with 40 chunks among the candidates, where a product had
    two answers) then moves the score by a bounded amount, instead of squaring its way past the candidate that both
    methods rank first. The linear terms keep the unclipped values, so the ranking stays monotone at the extremes.
    """
    z = (feats - np.asarray(model["mean"], dtype=np.float32)) / np.asarray(model["scale"], dtype=np.float32)
    if not model.get("quadratic"):
        return z
    zc = np.clip(z, -float(model["clip"]), float(model["clip"])) if model.get("clip") else z
    iu = np.triu_indices(z.shape[1])
    return np.concatenate([z, (zc[:, :, None] * zc[:, None, :])[:, iu[0], iu[1]]], axis=1)


def ranker_scores(feats: np.ndarray, model: dict[str, Any]) -> np.ndarray:
    """Linear score (log-odds of relevance) of each candidate row of `feats`."""
    if list(model.get("features", FEATURES)) != list(FEATURES):
        raise ValueError(
            "retrieval/ranker.json was trained on other features; re-train: python -m bench.retrieval --train"
        )
    return expand(feats, model) @ np.asarray(model["coef"], dtype=np.float32) + float(model["intercept"])


_RECORD_FILES = (".csv", ".json", ".jsonl")


def group_key(meta: dict[str, Any]) -> str:
    """The document a chunk belongs to, for the ranker's group features: the metadata's own `group` where it has
    one, else its source file; a row of a catalog or records file is a document of its own (the ranker learnt
    "candidates of the same document" on products, and 182 catalog rows in one group are not that)."""
    if meta.get("group"):
        return str(meta["group"])
    source = str(meta.get("source", ""))
    anchor = str(meta.get("anchor") or "")
    if anchor and source.lower().endswith(_RECORD_FILES):
        return f"{source}#{anchor}"
    return source


class HybridSearcher:
    """Runs one query against a snapshot: candidates from Chroma (dense) and BM25, then fusion or the ranker."""

    def __init__(
        self,
        snapshot: Snapshot,
        index: ChromaIndex | None,
        settings: RetrievalSettings,
        on_unknown: Callable[[int], None] | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.index = index
        self.settings = settings
        # called with the number of dense hits the snapshot does not hold (another process added them, most likely)
        self.on_unknown = on_unknown
        self.pool = getattr(settings, "candidate_pool", 100)
        self.fusion = getattr(settings, "fusion", "ranker")
        self.ranker_path = str(getattr(settings, "ranker_path", None) or RANKER_PATH)
        self.heading_boost = float(getattr(settings, "heading_boost", 0.0))

    def _dense_candidates(self, qvec: np.ndarray, flt: SearchFilters, mask: np.ndarray | None) -> list[int]:
        snap = self.snapshot
        if self.index is not None:
            # Chroma is the vector store of record (and the shared one in server mode); ask for a little more than
            # the pool because uncommitted leftovers of an interrupted sync are dropped here
            n = min(self.pool + 20, max(self.index.count_raw(), 1))
            ids, _ = self.index.query(qvec, n, where_clause(flt))
            rows = [snap.row[c] for c in ids if c in snap.row]
            if len(rows) < len(ids) and self.on_unknown is not None:
                self.on_unknown(len(ids) - len(rows))
            return rows[: self.pool]
        scores = snap.vectors @ qvec
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        order = np.argsort(-scores)[: self.pool]
        return [int(i) for i in order if np.isfinite(scores[i])]

    def search(
        self, query: str, qvec: np.ndarray, k: int, flt: SearchFilters, prefer_language: str | None = None
    ) -> list[Hit]:
        """The `k` best chunks; with `prefer_language`, chunks in that language first among equally relevant ones
        (then the fallback language's, see `RetrievalSettings.language_boost`)."""
        present = self.snapshot.languages()
        fallback = getattr(self.settings, "fallback_language", "en")
        if prefer_language and prefer_language not in present and fallback in present and len(present) > 1:
            # No page in the query's language: its evidence is the fallback language's. Searching only those pages
            # gives the best of them; a Spanish question must not get German pages because both look "not English"
            # to the embedder.
            flt, prefer_language = replace(flt, language=flt.language or fallback), None
        rows, scores = self.ranked(query, qvec, flt)
        if prefer_language and rows:
            rows, scores = self._prefer(rows, scores, prefer_language)
        return [self._hit(i, s) for i, s in zip(rows[:k], scores[:k], strict=False)]

    def _prefer(self, rows: list[int], scores: list[float], language: str) -> tuple[list[int], list[float]]:
        snap = self.snapshot
        present = snap.languages()
        if len(present) < 2:
            return rows, scores  # one language in the index: nothing to prefer
        fallback = getattr(self.settings, "fallback_language", "en")
        boost = float(getattr(self.settings, "language_boost", 1.5))
        langs = snap.language[np.asarray(rows)]
        tier = (langs == language).astype(np.float64)
        if language != fallback:
            tier += 0.5 * (langs == fallback)
        if self.fusion == "ranker":
            # scores are probabilities: move them in log-odds, where the ranker is linear
            p = np.clip(np.asarray(scores, dtype=np.float64), 1e-9, 1 - 1e-9)
            logit = np.log(p / (1 - p)) + boost * tier
            order = np.argsort(-logit, kind="stable")
            new_scores = (1.0 / (1.0 + np.exp(-logit[order]))).tolist()
        else:  # the baselines' scores have no common scale: rank by tier, then by their own order
            order = np.lexsort((np.arange(len(rows)), -tier))
            new_scores = [scores[i] for i in order]
        return [rows[i] for i in order], new_scores

    def ranked(self, query: str, qvec: np.ndarray, flt: SearchFilters) -> tuple[list[int], list[float]]:
        """Every candidate row, best first, with its score under the configured fusion."""
        dense_list, bm_list, bm_all = self.candidate_lists(query, qvec, flt)
        return self.fuse(query, qvec, dense_list, bm_list, bm_all, self.fusion)

    def fuse(
        self,
        query: str,
        qvec: np.ndarray,
        dense_list: list[int],
        bm_list: list[int],
        bm_all: np.ndarray,
        fusion: str,
    ) -> tuple[list[int], list[float]]:
        """Candidate rows ranked by one fusion (``ranker``, ``rrf``, ``dense`` or ``bm25``), with their scores."""
        if not dense_list and not bm_list:
            return [], []
        if fusion == "dense":
            rows = dense_list
            scores = (self.snapshot.vectors[rows] @ qvec).tolist() if rows else []
        elif fusion == "bm25":
            rows = bm_list
            scores = [float(bm_all[i]) for i in rows]
        elif fusion == "rrf":
            fused: dict[int, float] = {}
            for lst in (dense_list, bm_list):
                for r, i in enumerate(lst):
                    fused[i] = fused.get(i, 0.0) + 1.0 / (60 + r + 1)
            rows = sorted(fused, key=lambda i: -fused[i])
            scores = [fused[i] for i in rows]
        else:
            rows, scores = self._rank(query, qvec, dense_list, bm_list, bm_all)
        return rows, [float(s) for s in scores]

    def candidates(
        self, query: str, qvec: np.ndarray, dense_list: list[int], bm_list: list[int], bm_all: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Union of both candidate lists and its feature matrix (the same code serves search and training)."""
        cand = np.array(list(dict.fromkeys(dense_list + bm_list)), dtype=np.int64)
        if len(cand) == 0:
            return cand, np.zeros((0, len(FEATURES)), dtype=np.float32)
        model = load_ranker(self.ranker_path)
        feats = candidate_features(
            query,
            qvec,
            cand,
            self.snapshot,
            bm_all,
            {i: r for r, i in enumerate(dense_list)},
            {i: r for r, i in enumerate(bm_list)},
            prf_k=int(model.get("prf_k", 5)),
            prf_alpha=float(model.get("prf_alpha", 0.7)),
        )
        return cand, feats

    def candidate_lists(
        self, query: str, qvec: np.ndarray, flt: SearchFilters
    ) -> tuple[list[int], list[int], np.ndarray]:
        """(dense candidate rows, BM25 candidate rows, BM25 scores of every row) for one query."""
        snap = self.snapshot
        mask = None
        if not flt.is_empty():
            mask = np.fromiter((flt.matches(m) for m in snap.metas), dtype=bool, count=snap.size)
            if not mask.any():
                return [], [], np.zeros(snap.size, dtype=np.float32)
        bm_all = snap.bm25.scores(query)
        bm_masked = bm_all if mask is None else np.where(mask, bm_all, 0.0)
        n_bm = min(self.pool, snap.size)
        bm_top = np.argpartition(-bm_masked, n_bm - 1)[:n_bm] if n_bm < snap.size else np.arange(snap.size)
        bm_top = bm_top[np.argsort(-bm_masked[bm_top], kind="stable")]
        bm_list = [int(i) for i in bm_top if bm_masked[i] > 0]
        return self._dense_candidates(qvec, flt, mask), bm_list, bm_all

    def _rank(
        self, query: str, qvec: np.ndarray, dense_list: list[int], bm_list: list[int], bm_all: np.ndarray
    ) -> tuple[list[int], list[float]]:
        cand, feats = self.candidates(query, qvec, dense_list, bm_list, bm_all)
        if len(cand) == 0:
            return [], []
        raw = ranker_scores(feats, load_ranker(self.ranker_path))
        if self.heading_boost:
            # a section the question names by its heading: a prior in log-odds (see retrieval/headings.py)
            snap = self.snapshot
            raw = raw + self.heading_boost * heading_match(
                query, cand, snap.labels, snap.bm25.idf, snap.bm25.query_terms
            )
        prob = 1.0 / (1.0 + np.exp(-raw))
        order = np.argsort(-raw, kind="stable")
        return [int(cand[i]) for i in order], [float(prob[i]) for i in order]

    def _hit(self, row: int, score: float) -> Hit:
        snap = self.snapshot
        meta = dict(snap.metas[row])
        return Hit(
            chunk_id=snap.ids[row],
            text=snap.texts[row],
            source=str(meta.get("source", "")),
            score=float(score),
            metadata=meta,
            title=str(meta.get("title", "")),
            anchor=str(meta.get("anchor", "")),
        )
