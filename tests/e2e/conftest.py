"""Shared end-to-end fixtures: a small real shop (a few demo policy pages in a real Chroma index, real SQLite)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.settings import REPO_ROOT, Settings

DEMO_POLICIES = ("returns.md", "shipping.md", "warranty.md")


@pytest.fixture(scope="session")
def assistant_shop(tmp_path_factory) -> Settings:
    """Settings of a shop whose knowledge base holds three demo policy pages and three catalog products.

    Session-scoped: indexing costs seconds on 2 cores; tests open their own sessions and never change the index.
    """
    from retrieval.kb import KnowledgeBase

    root = tmp_path_factory.mktemp("assistant_shop")
    shop = root / "shop"
    (shop / "policies").mkdir(parents=True)
    for name in DEMO_POLICIES:
        shutil.copy(REPO_ROOT / "data" / "demo" / "policies" / name, shop / "policies" / name)
    lines = (REPO_ROOT / "data" / "demo" / "catalog.csv").read_text(encoding="utf-8").splitlines()
    keep = [lines[0]] + [
        line for line in lines[1:] if line.split(",", 1)[0] in ("FTW-001", "FTW-003", "JKT-001")
    ]
    (shop / "catalog.csv").write_text("\n".join(keep) + "\n", encoding="utf-8")
    settings = Settings(data_dir=root / "var", demo_dir=shop, _env_file=None)
    report = KnowledgeBase.open(settings.retrieval, settings.chroma_path).sync([shop], progress=False)
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="session")
def shop_env(assistant_shop: Settings) -> dict[str, str]:
    """Environment variables that point `mka` at the same shop."""
    return {"MKA_DATA_DIR": str(assistant_shop.data_dir), "MKA_DEMO_DIR": str(Path(assistant_shop.demo_dir))}
