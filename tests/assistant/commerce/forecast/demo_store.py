"""The demo shop in a real SQLite store (seeded generator, 600 customers, the hand-written catalog imported as
`mka demo` imports it), built once per process for the demand tool, API and route tests."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from assistant.commerce.demo import generate_demo_shop
from assistant.commerce.imports import import_orders, import_products
from assistant.settings import REPO_ROOT
from assistant.storage.db import get_engine

CATALOG_CSV = REPO_ROOT / "data" / "demo" / "catalog.csv"


@functools.cache
def demo_store(customers: int = 600) -> tuple[Path, str]:
    """(the folder holding orders.csv, the SQLite URL of a store with the catalog and the orders imported)."""
    folder = Path(tempfile.mkdtemp(prefix="mka-demand-"))
    files = generate_demo_shop(CATALOG_CSV, folder, seed=7, customers=customers, progress=False)
    url = f"sqlite:///{folder / 'mka.db'}"
    engine = get_engine(url)
    import_products(engine, CATALOG_CSV)
    import_orders(engine, files.orders_csv, default_currency="EUR")
    return folder, url
