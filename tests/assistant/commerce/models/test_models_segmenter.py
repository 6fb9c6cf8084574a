"""Segmentation on a real UCI slice and on synthetic RFM; training everything from the database."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assistant.commerce.models import RFMSegmenter, load_models, published_dir, rfm_table, train_all
from assistant.commerce.models.segments import PROTOTYPES
from assistant.errors import NotFound, NotTrained
from tests.assistant.commerce.models.uci_slice import trained_settings

# trained once per process (uci_slice.trained_settings): on one xdist worker under `--dist loadgroup`
pytestmark = pytest.mark.xdist_group("uci-models")


def test_segments_are_named_uniquely_and_profiled():
    models = load_models(trained_settings())
    seg = models.segmenter
    names = [p.name for p in seg.profiles()]
    assert len(names) == len(set(names)) >= 3 and set(names) <= set(PROTOTYPES)
    assert sum(p.size for p in seg.profiles()) == len(seg.customers)
    champions = max(seg.profiles(), key=lambda p: p.monetary)
    sleepers = max(seg.profiles(), key=lambda p: p.recency_days)
    assert champions.frequency > sleepers.frequency
    assert all(p.top_products for p in seg.profiles())
    member = seg.members(names[0])[0]
    assert seg.assign(member) == names[0]
    with pytest.raises(NotFound):
        seg.assign("nobody")
    with pytest.raises(NotFound, match="known"):
        seg.members("Space cadets")
    assert seg.meta["k"] == len(names) and 0 < seg.meta["silhouette"] <= 1


def test_artifacts_written_atomically_and_loadable_without_pickle():
    settings = trained_settings()
    out = settings.artifacts_dir
    assert (published_dir(out) / "segments.png").stat().st_size > 10_000
    assert not list(out.rglob("*.tmp"))
    for npz in out.rglob("*.npz"):
        with np.load(npz, allow_pickle=False) as data:
            assert data.files
    assert load_models(settings) is load_models(settings)  # cached


def test_synthetic_rfm_picks_clusters_by_silhouette():
    rng = np.random.default_rng(3)
    groups = [(5, 20, 5000), (200, 1, 100), (30, 3, 800)]
    parts = [
        pd.DataFrame(
            {
                "recency_days": rng.normal(r, r * 0.1, 400).clip(1),
                "frequency": rng.poisson(f, 400) + 1,
                "monetary": rng.normal(m, m * 0.1, 400).clip(1),
            }
        )
        for r, f, m in groups
    ]
    rfm = pd.concat(parts, ignore_index=True)
    rfm.index = rfm.index.astype(str)
    seg = RFMSegmenter(k_range=(2, 5)).fit_rfm(rfm)
    assert seg.meta["k"] == 3
    labels = seg.predict(rfm)
    assert len(set(labels[:400])) == 1 and labels[0] != labels[400] != labels[800]


def test_train_all_without_orders_says_what_to_do(settings):
    with pytest.raises(NotTrained, match="mka data import orders"):
        train_all(settings, progress=False, content="tfidf")
    with pytest.raises(NotTrained, match="mka model train"):
        load_models(settings)


def test_rfm_table_matches_definition():
    lines = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "order_id": ["1", "2", "3"],
            "ordered_at": pd.to_datetime(["2026-01-01", "2026-01-11", "2026-01-05"]),
            "revenue": [10.0, 5.0, 7.0],
        }
    )
    rfm = rfm_table(lines, pd.Timestamp("2026-01-21"))
    assert rfm.loc["a"].tolist() == [10.0, 2.0, 15.0] and rfm.loc["b"].tolist() == [16.0, 1.0, 7.0]


def test_cli_recommend_segments_export_plot(tmp_path):
    from typer.testing import CliRunner

    from assistant.cli import app

    settings = trained_settings()
    env = {"MKA_DATA_DIR": str(settings.data_dir)}
    runner = CliRunner()
    customer = load_models(settings).recommender.customers[0]
    result = runner.invoke(app, ["recommend", "--customer", customer, "-k", "3"], env=env)
    assert result.exit_code == 0, result.output
    assert "you buy this regularly" in result.output or "you bought this before" in result.output
    result = runner.invoke(app, ["segments"], env=env)
    assert result.exit_code == 0 and "customer segments" in result.output
    name = load_models(settings).segmenter.profiles()[0].name
    out = tmp_path / "members.csv"
    result = runner.invoke(app, ["segments", "export", name, "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    exported = pd.read_csv(out, dtype=str)
    assert len(exported) == load_models(settings).segmenter.profiles()[0].size and set(exported.segment) == {
        name
    }
    result = runner.invoke(app, ["segments", "export", "Martians", "--out", str(out)], env=env)
    assert result.exit_code == 1 and "unknown segment" in result.output
    png = tmp_path / "seg.png"
    assert runner.invoke(app, ["segments", "plot", "--out", str(png)], env=env).exit_code == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
