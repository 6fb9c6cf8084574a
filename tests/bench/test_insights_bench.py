"""The insights grouping benchmark on a slice of its real data (development half only), with the lexical baseline."""

from __future__ import annotations

import pandas as pd

from assistant.workspace.insights import group_texts
from bench.insights import DATA, TfidfEmbedder, scores


def test_scores_on_a_slice_of_wands_queries(shared_data) -> None:
    frame = pd.read_csv(DATA, sep="\t").dropna(subset=["query", "query_class"])
    dev = frame[frame.query_id % 2 == 0].head(60)
    texts, truth = dev["query"].tolist(), dev.query_class.tolist()
    grouped = scores(group_texts(texts, TfidfEmbedder(texts), 0.2), truth)
    apart = scores(list(range(len(texts))), truth)
    together = scores([0] * len(texts), truth)
    assert apart["pair_recall"] == 0.0 and together["pair_recall"] == 1.0
    assert 0.0 < grouped["pair_f1"] <= 1.0 and grouped["groups"] < len(texts)
    assert grouped["pair_precision"] > together["pair_precision"]
