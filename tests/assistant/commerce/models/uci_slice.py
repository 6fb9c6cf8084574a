"""A real slice of UCI Online Retail (every 9th customer, raw rows with cancellations and guests) and a model trained on
it, built once per test session and shared by the model and tool tests."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from assistant.settings import REPO_ROOT, Settings

UCI = REPO_ROOT.parent / "shared" / "data" / "uci_online_retail" / "online_retail.csv.gz"


@functools.cache
def workdir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="mka-uci-slice-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@functools.cache
def raw_slice() -> Path:
    """Raw rows (as in the file) of customers whose id is a multiple of 9, plus the guest rows of the first 3000 lines."""
    raw = pd.read_csv(UCI, dtype=str, keep_default_na=False)
    ids = pd.to_numeric(raw["CustomerID"], errors="coerce")
    keep = (ids % 9 == 0) | ((raw["CustomerID"] == "") & (raw.index < 3000))
    out = workdir() / "uci_slice.csv"
    raw[keep].to_csv(out, index=False)
    return out


@functools.cache
def trained_settings() -> Settings:
    """Settings whose database holds the slice and whose artifacts dir holds models trained on it."""
    from assistant.commerce.imports import import_orders
    from assistant.commerce.models import train_all
    from assistant.storage.db import get_engine

    settings = Settings(data_dir=workdir() / "var", _env_file=None)
    import_orders(get_engine(settings.db_url), raw_slice())
    train_all(settings, progress=False, content="tfidf")
    return settings
