"""Review fixtures: the real demo catalog, small review files written here, and the lexicon model (the encoder's own
test loads it once in test_sentiment.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from assistant.commerce.catalog import Catalog
from assistant.settings import REPO_ROOT

CATALOG_CSV = REPO_ROOT / "data" / "demo" / "catalog.csv"
COLUMNS = ("review_id", "sku", "rating", "text", "date", "language")
# Written for these tests: the men's Talus draws fit complaints, the women's praise, the Scree Low wet feet.
ROWS = [
    ("T1", "FTW-001", "2", "Runs small, I had to size up and exchange them. Otherwise solid boots.", "2026-03-02", "en"),
    ("T2", "FTW-001", "3", "Fällt klein aus, eine Nummer größer nehmen. Dafür absolut wasserdicht.", "2026-03-09", "de"),
    ("T3", "FTW-001", "5", "Kept my feet dry through a whole day of rain. Great grip on wet rock.", "2026-04-01", "en"),
    ("T4", "FTW-001", "1", "Far too tight even in my usual size 44, sent them back. Mail me at hiker@example.com", "2026-04-11", "en"),
    ("T5", "FTW-002", "5", "Fits perfectly, the narrower heel holds my foot. Very comfortable from day one.", "2026-04-20", "en"),
    ("T6", "FTW-003", "2", "Nicht wasserdicht, nasse Füße in der Wiese. Aber sehr leicht.", "2026-05-03", "de"),
    ("T7", "JKT-006", "4", "Keeps me warm on cold evenings. Only downside: the zip broke after a few weeks.", "2026-05-10", "en"),
]  # fmt: skip


def csv_bytes(rows=ROWS, columns=COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return Catalog.from_csv(Path(CATALOG_CSV))
