"""Import of orders, customers and products: good and bad rows, cancellations, mapping, idempotent re-import; on SQLite
and on a real PostgreSQL server (the upserts are ON CONFLICT on both)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text

from assistant.commerce.imports import (
    customer_record,
    import_customers,
    import_orders,
    import_products,
    load_order_lines,
)
from assistant.errors import BadInput, NotFound
from assistant.settings import Settings
from assistant.storage.db import get_engine

ORDERS = """order_id,customer_id,sku,quantity,unit_price,currency,ordered_at
A1,c1,SKU-1,2,9.50,EUR,2026-01-05 10:00:00
A1,c1,SKU-2,1,20.00,EUR,2026-01-05 10:00:00
A2,c2,SKU-1,1,9.50,,2026-02-01
CA3,c2,SKU-1,-1,9.50,EUR,2026-02-02
A4,,SKU-1,1,9.50,EUR,2026-02-03
A5,c3,POST,1,5.00,EUR,2026-02-03
A6,c3,SKU-3,abc,5.00,EUR,2026-02-03
A7,c3,SKU-3,1,0,EUR,2026-02-03
A8,c3,SKU-3,1,5.00,EUR,not a date
A9,c3,SKU-3,1,5.00,EURO,2026-02-03
"""


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The shared fixture's settings, on each database engine in turn."""
    return Settings(data_dir=tmp_path / "var", database_url=database_url, _env_file=None)


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()


def test_orders_good_and_bad_rows_counted_by_reason(settings, tmp_path):
    engine = get_engine(settings.db_url)
    report = import_orders(engine, write(tmp_path, "orders.csv", ORDERS), default_currency="EUR")
    assert report.rows_read == 10
    assert report.imported == 3 and report.new == 3
    assert report.skipped == {
        "cancellation": 1,
        "missing_customer": 1,
        "non_product_code": 1,
        "bad_quantity": 1,
        "bad_price": 1,
        "bad_date": 1,
        "bad_currency": 1,
    }
    assert report.imported + report.skipped_total == report.rows_read  # nothing silently dropped
    assert any("cancellation" in e for e in report.examples)
    lines = load_order_lines(engine)
    assert sorted(lines.order_id) == ["A1", "A1", "A2"]
    assert set(lines.loc[lines.order_id == "A2", "unit_price"]) == {9.5}
    # unknown customers and products got minimal rows
    assert count(engine, "customers") == 2 and count(engine, "products") == 2
    assert "skipped 7" in report.summary()


def test_reimport_is_idempotent_and_updates(settings, tmp_path):
    engine = get_engine(settings.db_url)
    path = write(tmp_path, "orders.csv", ORDERS)
    import_orders(engine, path)
    again = import_orders(engine, path)
    assert again.imported == 3 and again.new == 0
    assert count(engine, "order_lines") == 3
    path.write_text(ORDERS.replace("A1,c1,SKU-2,1,20.00", "A1,c1,SKU-2,4,20.00"), encoding="utf-8")
    import_orders(engine, path)
    with engine.connect() as conn:
        qty = conn.execute(
            text("SELECT quantity FROM order_lines WHERE order_id='A1' AND sku='SKU-2'")
        ).scalar_one()
    assert qty == 4 and count(engine, "order_lines") == 3


def test_column_mapping_and_missing_columns(settings, tmp_path):
    engine = get_engine(settings.db_url)
    body = "inv,who,item,n,each,when\nX1,k9,S1,3,1.5,2026-03-01\n"
    with pytest.raises(BadInput, match="missing column"):
        import_orders(engine, write(tmp_path, "o.csv", body))
    mapping = {
        "order_id": "inv",
        "customer_id": "who",
        "sku": "item",
        "quantity": "n",
        "unit_price": "each",
        "ordered_at": "when",
    }
    report = import_orders(engine, tmp_path / "o.csv", mapping=mapping, default_currency="USD")
    assert report.imported == 1
    with pytest.raises(BadInput, match="not in the file"):
        import_orders(engine, tmp_path / "o.csv", mapping={**mapping, "sku": "nope"})
    with pytest.raises(NotFound):
        import_orders(engine, tmp_path / "missing.csv")


def test_customers_and_products(settings, tmp_path):
    engine = get_engine(settings.db_url)
    customers = write(
        tmp_path,
        "customers.csv",
        "customer_id,email,name,country,signup_date\nc1,a@example.com,Ann,DE,2025-01-02\n"
        "c2,not-an-email,Bob,FR,2025-01-03\n,x@example.com,Nobody,DE,2025-01-01\nc3,c@example.com,Cy,IT,yesterday\n",
    )
    report = import_customers(engine, customers)
    assert report.imported == 1
    assert report.skipped == {"bad_email": 1, "missing_customer_id": 1, "bad_signup_date": 1}
    assert customer_record(engine, "c1")["email"] == "a@example.com"
    with pytest.raises(NotFound):
        customer_record(engine, "c2")
    catalog = write(
        tmp_path,
        "catalog.csv",
        "sku,name,category,price,currency,stock,description\nP1,Boot,Footwear,100,EUR,3,Warm boot\n"
        "P2,Sock,Accessories,9,EUR,0,Wool sock\n",
    )
    assert import_products(engine, catalog).imported == 2
    assert import_products(engine, catalog).new == 0
    broken = write(
        tmp_path, "bad.csv", "sku,name,category,price,currency,stock,description\nP1,Boot,F,-1,EUR,3,x\n"
    )
    with pytest.raises(BadInput, match="line 2"):
        import_products(engine, broken)
    assert count(engine, "products") == 2  # nothing half-imported


def test_uci_slice_matches_the_published_cleaning(settings):
    from tests.assistant.commerce.models.uci_slice import raw_slice

    path = raw_slice()
    engine = get_engine(settings.db_url)
    report = import_orders(engine, path)
    raw = pd.read_csv(path, dtype={"InvoiceNo": str, "StockCode": str, "CustomerID": "Int64"})
    # the cleaning of SOURCE.md / compute_stats.py
    nonprod = {"POST", "D", "M", "DOT", "BANK CHARGES", "C2", "CRUK", "AMAZONFEE", "PADS", "B", "S", "m"}
    clean = raw[
        raw.CustomerID.notna()
        & ~raw.InvoiceNo.str.startswith("C")
        & (raw.Quantity > 0)
        & (raw.UnitPrice > 0)
        & ~raw.StockCode.isin(nonprod)
        & ~raw.StockCode.str.startswith("gift_")
    ]
    assert report.imported == len(clean)
    assert report.skipped["cancellation"] == int(raw.InvoiceNo.str.startswith("C").sum())
    assert report.skipped["missing_customer"] > 0
    assert count(engine, "customers") == clean.CustomerID.nunique()
    assert import_orders(engine, path).new == 0


def test_cli_data_import_reports_reasons(tmp_path):
    from typer.testing import CliRunner

    from assistant.cli import app

    path = write(tmp_path, "orders.csv", ORDERS)
    env = {"MKA_DATA_DIR": str(tmp_path / "var")}
    result = CliRunner().invoke(app, ["data", "import", "orders", str(path), "--currency", "eur"], env=env)
    assert result.exit_code == 0, result.output
    assert "cancellation" in result.output and "stored" in result.output
    bad = CliRunner().invoke(app, ["data", "import", "orders", str(path), "--map", "nonsense"], env=env)
    assert bad.exit_code == 1 and "ours=theirs" in bad.output
