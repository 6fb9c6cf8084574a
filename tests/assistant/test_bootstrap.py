"""The first-run bootstrap on a small demo shop: the real generator, the real knowledge base (Chroma on disk, the
bundled embedding model), the real SQLite import. Every step that exists runs once; the second run does nothing; a
changed input re-runs only the steps that depend on it."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from assistant.bootstrap import MARKER_NAME, STEPS, prepare_demo
from assistant.errors import ConfigError
from assistant.settings import REPO_ROOT, Settings

DEMO = REPO_ROOT / "data" / "demo"


def _small_demo(root: Path) -> Path:
    """A copy of the demo shop cut down to 30 products and two pages, so the embedding step stays quick."""
    demo = root / "demo-shop"
    (demo / "policies").mkdir(parents=True)
    with (
        (DEMO / "catalog.csv").open(encoding="utf-8") as src,
        (demo / "catalog.csv").open("w", encoding="utf-8", newline="") as dst,
    ):
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=reader.fieldnames, lineterminator="\n")
        writer.writeheader()
        for i, row in enumerate(reader):
            if i % 6 == 0:
                writer.writerow(row)
    for page in ("returns.md", "shipping.md"):
        shutil.copy(DEMO / "policies" / page, demo / "policies" / page)
    return demo


@pytest.fixture
def small_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "var", demo_dir=_small_demo(tmp_path), _env_file=None)


@pytest.mark.slow
def test_bootstrap_runs_once_and_then_does_nothing(small_settings: Settings):
    s = small_settings
    first = prepare_demo(s, progress=False, customers=40)
    assert [step.name for step in first.steps] == list(STEPS)
    statuses = {step.name: step.status for step in first.steps}
    assert statuses == dict.fromkeys(STEPS, "done"), [(st.name, st.detail) for st in first.steps]

    with (s.data_dir / "demo" / "customers.csv").open(encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == 41
    from retrieval import KnowledgeBase

    kb = KnowledgeBase.open(s.retrieval, s.chroma_path)
    assert {src.source for src in kb.sources()} == {
        "catalog.csv",
        "policies/returns.md",
        "policies/shipping.md",
    }
    assert any("30 days" in hit.text for hit in kb.search("how many days do I have to return an item", k=5))
    from assistant.storage.db import get_engine

    with get_engine(s.db_url).connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM customers")).scalar() == 40
        assert conn.execute(text("SELECT COUNT(*) FROM products")).scalar() >= 30
        assert conn.execute(text("SELECT COUNT(DISTINCT customer_id) FROM order_lines")).scalar() == 40
    from assistant.commerce.models import load_models

    models = load_models(s)
    assert models.segmenter.names and models.recommender.recommend("C00001", 3)

    marker = json.loads((s.data_dir / MARKER_NAME).read_text(encoding="utf-8"))
    assert set(marker["steps"]) == {name for name, st in statuses.items() if st == "done"}

    orders_before = (s.data_dir / "demo" / "orders.csv").read_bytes()
    second = prepare_demo(s, progress=False, customers=40)
    assert second.did_nothing
    assert {step.status for step in second.steps} == {"skipped"}
    assert (s.data_dir / "demo" / "orders.csv").read_bytes() == orders_before

    # a changed policy page re-syncs the knowledge base and nothing else
    page = s.demo_dir / "policies" / "returns.md"
    page.write_text(
        page.read_text(encoding="utf-8") + "\n## Note\n\nReturns by post take 5 days.\n", encoding="utf-8"
    )
    third = prepare_demo(s, progress=False, customers=40)
    assert third.ran == ["kb"]
    assert "1 updated" in third.step("kb").detail

    # deleted outputs are made again; being deterministic, they feed the later steps the same inputs
    (s.data_dir / "demo" / "orders.csv").unlink()
    fourth = prepare_demo(s, progress=False, customers=40)
    assert fourth.ran == ["generate"]
    assert (s.data_dir / "demo" / "orders.csv").read_bytes() == orders_before


def test_bootstrap_without_a_catalog_names_the_setting(tmp_path: Path):
    s = Settings(data_dir=tmp_path / "var", demo_dir=tmp_path / "nowhere", _env_file=None)
    with pytest.raises(ConfigError, match="MKA_DEMO_DIR"):
        prepare_demo(s, progress=False, customers=5)
    assert not (s.data_dir / MARKER_NAME).exists()
