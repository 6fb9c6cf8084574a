"""The ranker's document-level evidence: whole-document centroids and BM25, and hub density over other documents."""

from __future__ import annotations

import numpy as np

from retrieval.features import FEATURES, DocumentEvidence, candidate_features, hub_density
from retrieval.search import Snapshot


def _unit(rows: list[list[float]]) -> np.ndarray:
    v = np.asarray(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_hub_density_counts_only_chunks_of_other_groups():
    # chunks 0 and 1 are one document and identical; chunk 2 is another document, orthogonal to both
    vectors = _unit([[1, 0], [1, 0], [0, 1]])
    group = np.array([0, 0, 1])
    density = hub_density(vectors, group, k=1)
    # a table's rows are each other's nearest neighbours; that must not make them look like hubs
    assert np.allclose(density, [0.0, 0.0, 0.0], atol=1e-6)
    density = hub_density(_unit([[1, 0], [1, 0.1], [1, 0.2]]), np.array([0, 1, 2]), k=2)
    assert density[1] > density[0] and density[1] > density[2]  # the middle one is close to both others


def test_hub_density_with_fewer_neighbours_than_k_and_one_group():
    vectors = _unit([[1, 0], [0.6, 0.8], [0, 1]])
    assert hub_density(vectors, np.array([0, 0, 0]), k=50).tolist() == [0.0, 0.0, 0.0]
    d = hub_density(vectors, np.array([0, 0, 1]), k=50)  # one chunk of another group: its cosine
    assert np.isclose(d[0], 0.0) and np.isclose(d[1], 0.8) and np.isclose(d[2], 0.4)
    assert hub_density(vectors[:1], np.array([0])).tolist() == [0.0]


def test_document_evidence_sees_the_whole_document():
    vectors = _unit([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    tokens = [["tent", "pole"], ["weight"], ["boot"]]
    ev = DocumentEvidence.build(vectors, np.array([0, 0, 1]), tokens)
    assert np.allclose(ev.centroids[0], _unit([[1, 1, 0]])[0]) and np.allclose(ev.centroids[1], [0, 0, 1])
    scores = ev.bm25.scores("tent weight")  # the first document holds both terms, in two chunks
    assert scores.shape == (2,) and scores[0] > 0 and scores[1] == 0


def test_feature_matrix_has_one_column_per_feature():
    texts = ["the tent weighs 1.2 kg", "yes, the tent pole fits", "boots are waterproof", "socks"]
    metas = [{"source": "tents.md"}, {"source": "tents.md"}, {"source": "boots.md"}, {"source": "socks.md"}]
    vectors = _unit([[1, 0.1, 0], [0.9, 0.3, 0], [0, 1, 0.2], [0, 0, 1]])
    snap = Snapshot.from_arrays(["a", "b", "c", "d"], texts, metas, vectors)
    cand = np.arange(4)
    feats = candidate_features(
        "does the tent pole fit",
        _unit([[1, 0.2, 0]])[0],
        cand,
        snap,
        snap.bm25.scores("does the tent pole fit"),
        {0: 0, 1: 1, 2: 2, 3: 3},
        {1: 0, 0: 1},
    )
    assert feats.shape == (4, len(FEATURES)) and np.isfinite(feats).all()
    col = {name: feats[:, i] for i, name in enumerate(FEATURES)}
    assert col["doc_bm25_norm"][0] == col["doc_bm25_norm"][1] == 1.0  # both chunks of the tent page
    assert col["doc_bm25_norm"][3] == 0.0
    assert col["doc_centroid_gap"].max() == 0.0 and col["hub_gap"].max() == 0.0
    assert col["yes_no_match"].tolist() == [0.0, 1.0, 0.0, 0.0]
