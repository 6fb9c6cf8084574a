"""The recommender benchmark runs end to end on a quick slice and writes comparable results."""

from __future__ import annotations

import json

from bench.recommender import main


def test_quick_bench_writes_results(tmp_path):
    out = tmp_path / "recommender.json"
    main(["--quick", "--out", str(out), "--skip-movielens"])
    result = json.loads(out.read_text())
    methods = result["uci"]["methods"]
    assert set(methods) == {
        "popularity",
        "own_history_then_popularity",
        "als",
        "item_bm25",
        "ease",
        "ours_repeat_aware",
        "ours_without_repeat_rule",
    }
    for m in methods.values():
        assert 0 <= m["all_items"]["ndcg@10"] <= 1 and m["all_items"]["users"] > 100
    # repeat buying dominates this shop: anything that knows a customer's history beats plain popularity
    assert (
        methods["ours_repeat_aware"]["all_items"]["ndcg@10"] > methods["popularity"]["all_items"]["ndcg@10"]
    )
    assert result["uci"]["ratios_vs_best_baseline"]["all_items.ndcg@10"]["ratio"] > 0
    # the durable rule costs UCI (no categories: its orders decide) at most 2% against serving without it
    assert result["uci"]["repeat_rule_ndcg_ratio"] >= 0.98
    demo = result["demo"]
    assert demo["variety_share"] >= 0.6 and demo["share_at_most_2_popular"] >= 0.6
    assert demo["owned_durables_suggested"] == 0 and demo["reasons_showing_an_id"] == 0
    assert demo["owned_consumables_suggested"] > 0  # refills still come back
    seg = result["segmentation"]
    assert len(seg["names"]) == seg["k"] and 0 < seg["silhouette"] < 1
    assert 0.5 < seg["auc_buys_next_4_weeks"]["kmeans_segments"] <= 1
    assert seg["scale"]["customers"] == 100_000
