"""The retrieval benchmark runs end to end on a small slice (numbers are the bench's job, not the test's)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.retrieval import main

pytestmark = pytest.mark.slow  # real model, real Chroma


def test_bench_runs_on_a_small_slice(tmp_path: Path, shared_data) -> None:
    out = tmp_path / "retrieval.json"
    results = main(["--limit", "12", "--corpus-limit", "120", "--out", str(out)])
    saved = json.loads(out.read_text())
    assert saved["queries"] == 12 and saved["corpus"] == 120
    assert set(saved["methods"]) == {"bm25", "dense", "rrf", "ranker"}
    for m in saved["methods"].values():
        assert 0.0 <= m["ndcg@10"] <= 1.0 and 0.0 <= m["recall@10"] <= 1.0
    assert saved["methods"]["dense"]["recall@10"] > 0.3  # the real model finds answers in a 120-doc corpus
    assert saved["ingest"]["embedded_chunks_second"] == 0 and saved["ingest"]["second_over_first"] < 0.5
    assert saved["latency"]["n"] == 12 and out.with_suffix(".png").exists()
    assert results["shipped_fusion"] == "ranker"
