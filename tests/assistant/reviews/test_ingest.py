"""Importing reviews on SQLite and a real PostgreSQL server: CSV and JSON, re-imports replace by review id, and a
file with any bad row is refused whole (400, each bad row named) with nothing written."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from assistant.errors import BadInput
from assistant.reviews import BadReviewFile, ReviewDesk
from assistant.storage.db import get_engine
from tests.assistant.reviews.conftest import COLUMNS, ROWS, csv_bytes


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


@pytest.fixture
def desk(database_url, catalog) -> ReviewDesk:
    """On SQLite and on PostgreSQL."""
    return ReviewDesk(get_engine(database_url), catalog, "lexicon")


@pytest.fixture
def sqlite_desk(tmp_path, catalog) -> ReviewDesk:
    """Files refused before any database work need one engine only."""
    return ReviewDesk(get_engine(f"sqlite:///{tmp_path / 'db' / 'mka.db'}"), catalog, "lexicon")


def test_a_csv_file_is_stored_with_its_aspects_and_a_reimport_replaces(desk: ReviewDesk) -> None:
    report = desk.import_file("reviews.csv", csv_bytes())
    assert (report.rows, report.new, report.replaced, report.skus) == (7, 7, 0, 4)
    assert (
        _count(desk.engine, "product_reviews") == 7
        and _count(desk.engine, "review_aspects") == report.aspects
    )
    again = desk.import_file("reviews.csv", csv_bytes())
    assert (again.new, again.replaced) == (0, 7)
    assert (
        _count(desk.engine, "product_reviews") == 7
        and _count(desk.engine, "review_aspects") == report.aspects
    )
    with desk.engine.connect() as conn:
        fit = (
            conn.execute(
                text(
                    "SELECT polarity FROM review_aspects WHERE sku = 'FTW-001' AND aspect = 'fit' ORDER BY id"
                )
            )
            .scalars()
            .all()
        )
    assert fit == ["negative", "negative", "negative"]  # "runs small", "fällt klein aus", "far too tight"


def test_a_json_file_with_other_column_names(sqlite_desk: ReviewDesk) -> None:
    desk = sqlite_desk
    records = [
        {"product": sku, "stars": int(rating), "body": body, "review_date": day + "T10:00:00Z", "lang": lang}
        for _, sku, rating, body, day, lang in ROWS[:3]
    ]
    report = desk.import_file("export.json", json.dumps({"reviews": records}).encode())
    assert report.rows == 3 and report.replaced == 0
    jsonl = "\n".join(json.dumps(r) for r in records).encode()
    assert desk.import_file("export.jsonl", jsonl).new == 3  # no review ids: new rows
    assert _count(desk.engine, "product_reviews") == 6


def test_bad_rows_are_each_named_and_nothing_is_written(desk: ReviewDesk) -> None:
    rows = [
        *ROWS[:2],
        ("B1", "NOPE-404", "5", "Lovely product, would buy again without a doubt.", "2026-01-02", "en"),
        ("B2", "FTW-001", "7", "Too many stars for a boot that is only fine really.", "2026-01-02", "en"),
        ("B3", "FTW-001", "4", "", "2026-01-02", "en"),
        ("B4", "FTW-001", "4", "Gute Schuhe, bequem und warm, passt gut.", "2026-13-40", "fr"),
        ("B5", "FTW-001", "4.5", "Half stars are not stars, so this row is refused too.", "2999-01-01", "en"),
        (
            "B6",
            "FTW-001",
            "4",
            "A hidden\x07bell character is not text a shop publishes.",
            "2026-01-02",
            "en",
        ),
    ]
    with pytest.raises(BadReviewFile) as caught:
        desk.import_file("reviews.csv", csv_bytes(rows))
    problems = caught.value.problems
    assert [p.split(":")[0] for p in problems] == ["row 4", "row 5", "row 6", "row 7", "row 8", "row 9"]
    assert "unknown SKU 'NOPE-404'" in problems[0] and "rating '7'" in problems[1]
    assert "empty text" in problems[2] and "date '2026-13-40'" in problems[3] and "'fr'" in problems[3]
    assert "rating '4.5'" in problems[4] and "in the future" in problems[4]
    assert "control character U+0007" in problems[5]
    assert caught.value.status_code == 400 and "nothing was imported" in caught.value.message
    assert _count(desk.engine, "product_reviews") == 0 and _count(desk.engine, "review_aspects") == 0


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("reviews.csv", b"", "empty"),
        ("reviews.csv", b"sku,stars,comment\nFTW-001,5,great\n", "missing column(s) date, language"),
        ("reviews.csv", b"sku,rating,text,date,language\n", "no reviews"),
        ("reviews.json", b"{not json", "not valid JSON"),
        ("reviews.json", b'{"reviews": "no"}', "list of objects"),
        ("reviews.xlsx", b"PK\x03\x04", ".csv, .json or .jsonl"),
        ("reviews.csv", "sku,rating\n".encode("utf-16"), "not UTF-8"),
    ],
)
def test_unreadable_files_get_a_clear_400(sqlite_desk: ReviewDesk, name: str, data: bytes, says: str) -> None:
    desk = sqlite_desk
    with pytest.raises(BadInput) as caught:
        desk.import_file(name, data)
    assert says in caught.value.message and caught.value.status_code == 400
    assert _count(desk.engine, "product_reviews") == 0


def test_the_columns_the_module_documents_are_the_ones_the_fixture_writes() -> None:
    assert set(COLUMNS) - {"review_id"} == {"sku", "rating", "text", "date", "language"}
