"""Heading evidence: a question that names a section by its heading gets that section's chunks first."""

from __future__ import annotations

import json

import numpy as np
import pytest

from retrieval import KnowledgeBase
from retrieval.config import RetrievalSettings
from retrieval.headings import heading_match, label_terms
from retrieval.lexical import analyse
from retrieval.types import SearchFilters

REPAIRS_MD = """# Warranty and repairs

We repair what we sell, in our own workshop in Linz.

## Warranty period

Every jacket, tent and backpack is covered for **two years** from the day you receive it. Zips, seams and buckles that
fail in normal use are fixed or replaced free of charge.

Electronics (headlamps, GPS units) are covered by their maker for the time stated in their manual.

## How to make a claim

1. Start a claim in your account: describe what failed and add a photo.
2. Send the item to the workshop with the claim number; we email you when it is on its way back.

## Repair prices

| Repair | Price |
|---|---|
| Zip replacement | 25 EUR |
| Seam taping | 35 EUR |
"""


def test_labels_are_the_heading_path_and_a_faq_question() -> None:
    meta = {"heading_path": json.dumps(["Shipping", "Delivery options and costs"]), "question": "Is it free?"}
    assert label_terms(meta) == frozenset(analyse("Shipping Delivery options and costs Is it free?"))
    assert label_terms({"heading_path": "[]"}) == frozenset() and label_terms({}) == frozenset()


def test_heading_match_weighs_rare_terms_and_rewards_a_heading_that_names_the_whole_question() -> None:
    labels = [frozenset({"return", "window"}), frozenset({"return"}), frozenset()]
    idf = {"return": 1.0, "window": 3.0}.get
    got = heading_match("What is your return window?", np.arange(3), labels, lambda t: idf(t, 0.0))
    # squared idf-weighted coverage: 1, (1/4)^2, nothing without headings
    assert got.tolist() == pytest.approx([1.0, 1 / 16, 0.0])
    assert heading_match("?!", np.arange(3), labels, lambda t: 1.0).tolist() == [0.0, 0.0, 0.0]


@pytest.fixture(scope="module")
def repairs_kb(tmp_path_factory, real_embedder) -> KnowledgeBase:
    root = tmp_path_factory.mktemp("repairs-shop")
    (root / "policies").mkdir()
    (root / "policies" / "repairs.md").write_text(REPAIRS_MD)
    kb = KnowledgeBase.open(RetrievalSettings(), root / "chroma", real_embedder)
    assert not kb.sync([root / "policies"], progress=False).failed
    return kb


@pytest.mark.slow
def test_the_section_a_question_names_comes_first(repairs_kb: KnowledgeBase) -> None:
    top = repairs_kb.search("what is the warranty period?", k=3)[0]
    assert top.heading_path == ["Warranty and repairs", "Warranty period"] and "two years" in top.text
    # table rows inherit the heading of the section they sit in
    rows = repairs_kb.search("repair prices?", k=2)
    assert [(h.kind, h.heading_path) for h in rows] == [
        ("table_row", ["Warranty and repairs", "Repair prices"])
    ] * 2


@pytest.mark.slow
def test_the_heading_prior_is_a_setting_and_moves_only_chunks_with_matching_headings(
    repairs_kb: KnowledgeBase, real_embedder
) -> None:
    query = "what is the warranty period?"
    qvec = real_embedder.embed([query])[0]
    searcher = repairs_kb._ensure_snapshot()
    with_prior = dict(zip(*searcher.ranked(query, qvec, SearchFilters()), strict=True))
    searcher.heading_boost = 0.0
    try:
        without = dict(zip(*searcher.ranked(query, qvec, SearchFilters()), strict=True))
    finally:
        searcher.heading_boost = RetrievalSettings().heading_boost
    labels = searcher.snapshot.labels
    boost = RetrievalSettings().heading_boost

    def shift(row: int) -> float:
        p, q = np.clip([with_prior[row], without[row]], 1e-9, 1 - 1e-9)
        return float(np.log(p / (1 - p)) - np.log(q / (1 - q)))

    named = [r for r in with_prior if labels[r] >= {"warranty", "period"}]
    assert named and all(shift(r) == pytest.approx(boost, abs=1e-3) for r in named)
    assert all(-1e-3 <= shift(r) < boost - 0.5 for r in with_prior if r not in named)
