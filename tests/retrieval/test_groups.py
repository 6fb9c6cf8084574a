"""The ranker's group features see each catalog row as a document of its own: a catalog file is not one document
with 182 candidates (the ranker learnt "candidates of the same document" from products with a few answers each)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from assistant.settings import REPO_ROOT
from retrieval import KnowledgeBase
from retrieval.config import RetrievalSettings
from retrieval.search import Snapshot, group_key


def test_a_row_of_a_records_file_is_its_own_group():
    assert group_key({"source": "catalog.csv", "anchor": "FTW-001"}) == "catalog.csv#FTW-001"
    assert group_key({"source": "data/answers.jsonl", "anchor": "17"}) == "data/answers.jsonl#17"
    assert group_key({"source": "policies/returns.md", "anchor": "return-window"}) == "policies/returns.md"
    assert group_key({"source": "answers.jsonl", "anchor": "17", "group": "B00X"}) == "B00X"


def test_the_snapshot_groups_rows_apart_and_pages_together():
    metas = [
        {"source": "catalog.csv", "anchor": "A-1"},
        {"source": "catalog.csv", "anchor": "A-2"},
        {"source": "policies/returns.md", "anchor": "a"},
        {"source": "policies/returns.md", "anchor": "b"},
    ]
    snap = Snapshot.from_arrays(
        ["1", "2", "3", "4"], ["a", "b", "c", "d"], metas, np.eye(4, dtype=np.float32)
    )
    assert snap.group[0] != snap.group[1] and snap.group[2] == snap.group[3]


@pytest.mark.slow  # the real embedding model over the demo catalog and size guide
def test_a_chunk_both_methods_rank_first_stays_on_top(tmp_path, real_embedder):
    shop = tmp_path / "shop"
    (shop / "policies").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "data" / "demo" / "catalog.csv", shop / "catalog.csv")
    shutil.copy(REPO_ROOT / "data" / "demo" / "policies" / "sizing.md", shop / "policies" / "sizing.md")
    # English questions are the main index's (MiniLM): the cross-lingual channel would embed the catalog a second
    # time, with a second model, for nothing this test reads
    kb = KnowledgeBase.open(RetrievalSettings(crosslingual_model=None), tmp_path / "chroma", real_embedder)
    assert not kb.sync([shop], progress=False).failed
    hits = kb.search("waterproof hiking boots", k=3)
    assert hits[0].metadata["sku"] in {"FTW-001", "FTW-002"}, [h.title for h in hits]
    # the boots paragraph is the first of both the dense and the BM25 list; 40 size-table rows of the same page
    # among the candidates once pushed it to rank 37 (squared features far outside the training range)
    hits = kb.search("im between two boot sizes which should i pick", k=3)
    assert any("between sizes, choose the larger size" in h.text for h in hits), [h.text[:60] for h in hits]
