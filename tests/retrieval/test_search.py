"""Hybrid search on a small real corpus with the real bundled embedding model and a real Chroma store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval import KnowledgeBase, SearchFilters, get_embedder
from retrieval.config import RetrievalSettings
from retrieval.embedding import SETTING_NAME, resolve_model_path
from retrieval.errors import ModelMissing
from tests.retrieval.conftest import write_shop

pytestmark = pytest.mark.slow  # the real embedding model


@pytest.fixture(scope="module")
def kb(tmp_path_factory, real_embedder) -> KnowledgeBase:
    root = write_shop(tmp_path_factory.mktemp("shop") / "shop")
    kb = KnowledgeBase.open(RetrievalSettings(), tmp_path_factory.mktemp("chroma"), real_embedder)
    report = kb.sync([root], progress=False)
    assert not report.failed
    return kb


def test_real_embedder_is_normalised_and_cached(real_embedder) -> None:
    vecs = real_embedder.embed(["waterproof boots", "refund policy"])
    assert vecs.shape == (2, 384) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert get_embedder(RetrievalSettings()) is real_embedder


def test_missing_model_folder_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing, match=SETTING_NAME):
        resolve_model_path(RetrievalSettings(embedding_model=str(tmp_path / "no-model")))


@pytest.mark.parametrize(
    ("query", "source", "anchor"),
    [
        ("how do I get my money back", "policies/returns.md", "refunds"),
        ("how long does delivery to Germany take", "pages/shipping.html", "delivery-times"),
        ("jacket for rainy weather", "catalog.csv", "JK-010"),
        ("is there a discount on trail shoes", "campaigns/autumn.yaml", ""),
    ],
)
def test_hybrid_search_finds_the_right_chunk_with_citation(kb, query: str, source: str, anchor: str) -> None:
    hits = kb.search(query, k=3)
    assert hits, query
    assert (hits[0].source, hits[0].anchor) == (source, anchor)
    c = hits[0].citation
    assert c.source == source and c.chunk_id == hits[0].chunk_id and c.title
    assert hits == sorted(hits, key=lambda h: -h.score)


def test_exact_sku_found_by_bm25_side(kb) -> None:
    assert kb.search("BP-020", k=1)[0].anchor == "BP-020"


def test_filters(kb) -> None:
    shoes = kb.search("running shoe", k=10, filters={"category": "Shoes"})
    assert {h.anchor for h in shoes} == {"TR-001", "TR-002"}
    in_stock = kb.search("running shoe", k=10, filters=SearchFilters(category="shoes", in_stock=True))
    assert [h.anchor for h in in_stock] == ["TR-001"]
    cheap = kb.search("gear", k=10, filters={"max_price": 90})
    assert {h.anchor for h in cheap} == {"TR-002", "BP-020"}
    band = kb.search("gear", k=10, filters={"min_price": 100, "max_price": 150})
    assert [h.anchor for h in band] == ["TR-001"]
    policies = kb.search("running shoe", k=10, filters={"type": "policy"})
    assert policies and all(h.source == "policies/returns.md" for h in policies)
    assert kb.search("anything", k=5, filters={"category": "no-such-category"}) == []
    with pytest.raises(ValueError, match="unknown search filter"):
        kb.search("x", filters={"colour": "red"})


def test_empty_query_and_counts(kb) -> None:
    assert kb.search("   ") == []
    assert kb.count() == sum(s.chunks for s in kb.sources()) > 8
