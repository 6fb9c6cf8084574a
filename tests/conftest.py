"""Shared fixtures. Tests never download anything: the hub is switched off before any model library loads."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from assistant.settings import REPO_ROOT, Settings  # noqa: E402

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with every piece of state (database, index, artifacts) under a fresh temporary folder."""
    return Settings(data_dir=tmp_path / "var", _env_file=None)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public datasets beside the project (../shared/data)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(
            f"../shared/data is missing (looked in {SHARED_DATA}); CI runs with ../shared beside the clone"
        )
    return SHARED_DATA
