"""Import the shop's commerce data (customers, products, order lines) from CSV into the database, and read it back.

Each file is imported in one transaction: either every good row of the file is stored or none is. Rows that cannot be
used are counted by reason (cancellation, non-product code, missing customer, bad quantity, ...) and reported with a
few examples; nothing is dropped without being counted. Re-importing the same file creates no duplicates: customers and
products are keyed by their id, order lines by (order_id, line_no) where line_no is the line's position in its order.

Columns are found by name (case-insensitive, with common aliases) or mapped explicitly, e.g.
``mapping={"customer_id": "CustomerID"}``. The UCI Online Retail layout (InvoiceNo, StockCode, Description, Quantity,
InvoiceDate, UnitPrice, CustomerID, Country) works without a mapping.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, text

from assistant.errors import BadInput, NotFound

# Stock codes that are postage, fees, discounts or manual adjustments, not products (UCI Online Retail's list).
NON_PRODUCT_CODES = frozenset(
    {"POST", "D", "M", "m", "DOT", "BANK CHARGES", "C2", "CRUK", "AMAZONFEE", "PADS", "B", "S"}
)
NON_PRODUCT_PREFIXES = ("gift_",)
CANCEL_PREFIX = "C"  # an order id starting with this marks a cancellation (UCI convention)

# Our column -> names accepted in a file (compared case-insensitively, ignoring spaces and underscores).
ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": ("order_id", "invoiceno", "invoice", "order", "orderid"),
    "customer_id": ("customer_id", "customerid", "customer", "user_id", "userid"),
    "sku": ("sku", "stockcode", "item_id", "product_id", "productid"),
    "quantity": ("quantity", "qty"),
    "unit_price": ("unit_price", "unitprice", "price"),
    "currency": ("currency",),
    "ordered_at": ("ordered_at", "invoicedate", "order_date", "date", "timestamp", "created_at"),
    "name": ("name", "description", "title", "product_name"),
    "email": ("email", "e_mail"),
    "country": ("country",),
    "signup_date": ("signup_date", "signupdate", "registered_at", "created"),
    "category": ("category",),
    "subcategory": ("subcategory",),
    "description": ("description",),
}
ORDER_REQUIRED = ("order_id", "customer_id", "sku", "quantity", "unit_price", "ordered_at")
_BATCH = 20_000
_EXAMPLES = 5


@dataclass
class ImportReport:
    """What one import did: rows read, rows stored (and how many were new), rows skipped by reason."""

    kind: str
    path: str
    rows_read: int = 0
    imported: int = 0
    new: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)  # "line 12: bad_quantity ('abc')"

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def summary(self) -> str:
        parts = [f"{self.kind}: read {self.rows_read}, stored {self.imported} ({self.new} new)"]
        if self.skipped:
            reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(self.skipped.items()))
            parts.append(f"skipped {self.skipped_total}: {reasons}")
        return "; ".join(parts)


def _norm(name: str) -> str:
    return name.strip().lower().replace(" ", "").replace("_", "")


def _read_csv(path: Path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"file not found: {path}")
    try:
        # Everything as text: each value is validated here, not guessed by the parser.
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise BadInput(f"{path}: not a readable CSV file ({exc})") from exc


def _columns(
    frame: pd.DataFrame, wanted: tuple[str, ...], mapping: dict[str, str] | None, path: Path
) -> dict:
    """Map our column names to the file's, from the explicit mapping first, then the aliases."""
    mapping = dict(mapping or {})
    unknown = set(mapping) - set(ALIASES)
    if unknown:
        raise BadInput(f"unknown target column(s) in mapping: {', '.join(sorted(unknown))}")
    by_norm = {_norm(col): col for col in frame.columns}
    found: dict[str, str] = {}
    for ours in wanted:
        if ours in mapping:
            if mapping[ours] not in frame.columns:
                raise BadInput(f"{path}: mapped column {mapping[ours]!r} (for {ours}) is not in the file")
            found[ours] = mapping[ours]
            continue
        for alias in ALIASES.get(ours, (ours,)):
            if _norm(alias) in by_norm:
                found[ours] = by_norm[_norm(alias)]
                break
    return found


def _require(found: dict, required: tuple[str, ...], path: Path, frame: pd.DataFrame) -> None:
    missing = [c for c in required if c not in found]
    if missing:
        raise BadInput(
            f"{path}: missing column(s) {', '.join(missing)} (file has {', '.join(frame.columns)}); "
            "map them with --map ours=theirs"
        )


def _clean_id(values: pd.Series) -> pd.Series:
    # Spreadsheet exports turn ids into floats ("17850.0"); the id is the integer text.
    values = values.str.strip()
    return values.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


def _mark(reason: pd.Series, mask: pd.Series | np.ndarray, why: str) -> None:
    """Give rows that have no reason yet this reason (the first problem of a row is the one reported)."""
    reason[np.asarray(mask) & reason.isna().to_numpy()] = why


def _finish(report: ImportReport, reason: pd.Series, shown: pd.Series) -> pd.Series:
    bad = reason.notna()
    report.skipped = dict(Counter(reason[bad]))
    for idx in reason[bad].index[:_EXAMPLES]:
        # +2: header line and 1-based lines
        report.examples.append(f"line {idx + 2}: {reason[idx]} ({shown[idx]!r})")
    return ~bad


def _count(conn, table: str) -> int:
    return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())


def _executemany(conn, sql: str, rows: list[dict]) -> None:
    for start in range(0, len(rows), _BATCH):
        conn.execute(text(sql), rows[start : start + _BATCH])


_UPSERT_CUSTOMER = (
    "INSERT INTO customers (customer_id, email, name, country, signup_date) "
    "VALUES (:customer_id, :email, :name, :country, :signup_date) ON CONFLICT (customer_id) DO UPDATE SET "
    "email = COALESCE(excluded.email, customers.email), name = COALESCE(excluded.name, customers.name), "
    "country = COALESCE(excluded.country, customers.country), "
    "signup_date = COALESCE(excluded.signup_date, customers.signup_date)"
)
_UPSERT_PRODUCT = (
    "INSERT INTO products (sku, name, category, subcategory, price, currency, description) "
    "VALUES (:sku, :name, :category, :subcategory, :price, :currency, :description) "
    "ON CONFLICT (sku) DO UPDATE SET name = excluded.name, category = excluded.category, "
    "subcategory = excluded.subcategory, price = COALESCE(excluded.price, products.price), "
    "currency = COALESCE(excluded.currency, products.currency), description = excluded.description"
)


def import_customers(engine: Engine, path: Path, *, mapping: dict[str, str] | None = None) -> ImportReport:
    """Import (upsert) customers from a CSV with at least a customer id column; returns the report."""
    path = Path(path)
    frame = _read_csv(path)
    cols = _columns(frame, ("customer_id", "email", "name", "country", "signup_date"), mapping, path)
    _require(cols, ("customer_id",), path, frame)
    report = ImportReport("customers", str(path), rows_read=len(frame))
    cid = _clean_id(frame[cols["customer_id"]])
    reason = pd.Series([None] * len(frame), dtype=object, index=frame.index)
    _mark(reason, cid == "", "missing_customer_id")
    if "email" in cols:
        email = frame[cols["email"]].str.strip()
        _mark(reason, (email != "") & ~email.str.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), "bad_email")
    if "signup_date" in cols:
        raw = frame[cols["signup_date"]].str.strip()
        parsed = pd.to_datetime(raw, errors="coerce", format="mixed")
        _mark(reason, (raw != "") & parsed.isna(), "bad_signup_date")
    # A customer repeated in the file (the UCI order file names one per line): the last row wins, counted.
    _mark(reason, cid.duplicated(keep="last") & (cid != ""), "repeated_customer_last_kept")
    good = _finish(report, reason, cid)

    def val(name: str, idx) -> str | None:
        if name not in cols:
            return None
        value = frame.at[idx, cols[name]].strip()
        return value or None

    rows = []
    for idx in frame.index[good.to_numpy()]:
        signup = val("signup_date", idx)
        rows.append(
            {
                "customer_id": cid[idx],
                "email": val("email", idx),
                "name": val("name", idx),
                "country": val("country", idx),
                "signup_date": str(pd.Timestamp(signup).date()) if signup else None,
            }
        )
    return _upsert_all(engine, "customers", _UPSERT_CUSTOMER, rows, report)


def _upsert_all(engine: Engine, table: str, sql: str, rows: list[dict], report: ImportReport) -> ImportReport:
    """Upsert `rows` into `table` in one transaction; record how many were imported and how many are new."""
    with engine.begin() as conn:
        before = _count(conn, table)
        _executemany(conn, sql, rows)
        report.new = _count(conn, table) - before
    report.imported = len(rows)
    return report


def import_products(engine: Engine, path: Path, *, mapping: dict[str, str] | None = None) -> ImportReport:
    """Import (upsert) products. A shop catalog CSV (assistant.commerce.catalog layout) is validated strictly by `Catalog`;
    any other CSV needs a sku and a name column (UCI: StockCode, Description)."""
    from assistant.commerce.catalog import REQUIRED_COLUMNS, Catalog

    path = Path(path)
    frame = _read_csv(path)
    report = ImportReport("products", str(path), rows_read=len(frame))
    if not mapping and all(c in frame.columns for c in REQUIRED_COLUMNS):
        catalog = Catalog.from_csv(path)  # raises BadInput naming the line and column
        rows = [
            {
                "sku": p.sku,
                "name": p.name,
                "category": p.category,
                "subcategory": p.subcategory,
                "price": p.price,
                "currency": p.currency,
                "description": p.description,
            }
            for p in catalog
        ]
    else:
        cols = _columns(
            frame, ("sku", "name", "category", "subcategory", "unit_price", "currency"), mapping, path
        )
        _require(cols, ("sku", "name"), path, frame)
        sku = frame[cols["sku"]].str.strip()
        name = frame[cols["name"]].str.strip()
        reason = pd.Series([None] * len(frame), dtype=object, index=frame.index)
        _mark(reason, sku == "", "missing_sku")
        _mark(
            reason, sku.isin(NON_PRODUCT_CODES) | sku.str.startswith(NON_PRODUCT_PREFIXES), "non_product_code"
        )
        _mark(reason, name == "", "missing_name")
        price = pd.to_numeric(frame[cols["unit_price"]], errors="coerce") if "unit_price" in cols else None
        if price is not None:
            _mark(reason, price.isna() | (price < 0), "bad_price")
        _mark(reason, sku.duplicated(keep="last"), "repeated_sku_last_kept")
        good = _finish(report, reason, sku)
        rows = [
            {
                "sku": sku[idx],
                "name": name[idx],
                "category": frame.at[idx, cols["category"]].strip() if "category" in cols else "",
                "subcategory": frame.at[idx, cols["subcategory"]].strip() if "subcategory" in cols else "",
                "price": float(price[idx]) if price is not None else None,
                "currency": frame.at[idx, cols["currency"]].strip() or None if "currency" in cols else None,
                "description": name[idx],
            }
            for idx in frame.index[good.to_numpy()]
        ]
    return _upsert_all(engine, "products", _UPSERT_PRODUCT, rows, report)


def import_orders(
    engine: Engine, path: Path, *, mapping: dict[str, str] | None = None, default_currency: str = "GBP"
) -> ImportReport:
    """Import order lines (upsert by order id and line number). Cancellations (order id starting with "C"),
    non-product codes (postage, fees, discounts), lines without a customer and malformed values are skipped and counted
    by reason. Customers and products the file names that are not in the database yet get a minimal row."""
    path = Path(path)
    frame = _read_csv(path)
    cols = _columns(frame, ORDER_REQUIRED + ("currency", "name", "country"), mapping, path)
    _require(cols, ORDER_REQUIRED, path, frame)
    report = ImportReport("orders", str(path), rows_read=len(frame))
    lines = _order_lines(frame, cols, report, default_currency)
    with engine.begin() as conn:
        # Known customers and products keep what their own files said; only unknown ones get a minimal row.
        _executemany(conn, _INSERT_NEW_CUSTOMER, _minimal_customers(frame, cols, lines))
        _executemany(conn, _INSERT_NEW_PRODUCT, _minimal_products(frame, cols, lines))
        before = _count(conn, "order_lines")
        _executemany(conn, _UPSERT_ORDER_LINE, lines.to_dict("records"))
        report.new = _count(conn, "order_lines") - before
    report.imported = len(lines)
    return report


_INSERT_NEW_CUSTOMER = (
    "INSERT INTO customers (customer_id, email, name, country, signup_date) "
    "VALUES (:customer_id, :email, :name, :country, :signup_date) ON CONFLICT (customer_id) DO NOTHING"
)
_INSERT_NEW_PRODUCT = (
    "INSERT INTO products (sku, name, category, subcategory, price, currency, description) "
    "VALUES (:sku, :name, :category, :subcategory, :price, :currency, :description) ON CONFLICT (sku) DO NOTHING"
)
_UPSERT_ORDER_LINE = (
    "INSERT INTO order_lines (order_id, line_no, customer_id, sku, quantity, unit_price, currency, ordered_at) "
    "VALUES (:order_id, :line_no, :customer_id, :sku, :quantity, :unit_price, :currency, :ordered_at) "
    "ON CONFLICT (order_id, line_no) DO UPDATE SET customer_id = excluded.customer_id, sku = excluded.sku, "
    "quantity = excluded.quantity, unit_price = excluded.unit_price, currency = excluded.currency, "
    "ordered_at = excluded.ordered_at"
)


def _order_lines(
    frame: pd.DataFrame, cols: dict, report: ImportReport, default_currency: str
) -> pd.DataFrame:
    """The file's usable order lines (the others counted in `report` by reason), indexed like `frame`."""
    order_id = frame[cols["order_id"]].str.strip()
    # The line number counts every line of an order in file order, good or bad, so it is stable across re-imports.
    line_no = order_id.groupby(order_id, sort=False).cumcount()
    customer = _clean_id(frame[cols["customer_id"]])
    sku = frame[cols["sku"]].str.strip()
    quantity = pd.to_numeric(frame[cols["quantity"]], errors="coerce")
    price = pd.to_numeric(frame[cols["unit_price"]], errors="coerce")
    when = pd.to_datetime(frame[cols["ordered_at"]].str.strip(), errors="coerce", format="mixed")
    currency = (
        frame[cols["currency"]].str.strip().str.upper().replace("", default_currency)
        if "currency" in cols
        else pd.Series(default_currency, index=frame.index)
    )
    reason = pd.Series([None] * len(frame), dtype=object, index=frame.index)
    _mark(reason, order_id == "", "missing_order_id")
    _mark(reason, order_id.str.startswith(CANCEL_PREFIX), "cancellation")
    _mark(reason, sku == "", "missing_sku")
    _mark(reason, sku.isin(NON_PRODUCT_CODES) | sku.str.startswith(NON_PRODUCT_PREFIXES), "non_product_code")
    _mark(reason, customer == "", "missing_customer")
    _mark(reason, quantity.isna() | (quantity <= 0), "bad_quantity")
    _mark(reason, price.isna() | (price <= 0), "bad_price")
    _mark(reason, when.isna(), "bad_date")
    _mark(reason, ~currency.str.match(r"^[A-Z]{3}$"), "bad_currency")
    good = _finish(report, reason, order_id + "/" + sku).to_numpy()
    return pd.DataFrame(
        {
            "order_id": order_id[good],
            "line_no": line_no[good].astype(int),
            "customer_id": customer[good],
            "sku": sku[good],
            "quantity": quantity[good].astype(float),
            "unit_price": price[good].astype(float),
            "currency": currency[good],
            "ordered_at": when[good].dt.strftime("%Y-%m-%d %H:%M:%S"),
        }
    )


def _minimal_customers(frame: pd.DataFrame, cols: dict, lines: pd.DataFrame) -> list[dict]:
    customers = lines.drop_duplicates("customer_id", keep="last")
    country = frame.loc[customers.index, cols["country"]].str.strip() if "country" in cols else None
    return [
        {
            "customer_id": c,
            "email": None,
            "name": None,
            "country": (country[i] or None) if country is not None else None,
            "signup_date": None,
        }
        for i, c in zip(customers.index, customers.customer_id, strict=True)
    ]


def _minimal_products(frame: pd.DataFrame, cols: dict, lines: pd.DataFrame) -> list[dict]:
    products = lines.drop_duplicates("sku", keep="last")
    names = frame.loc[products.index, cols["name"]].str.strip() if "name" in cols else products.sku
    return [
        {
            "sku": s,
            "name": n or s,
            "category": "",
            "subcategory": "",
            "price": p,
            "currency": cur,
            "description": n or "",
        }
        for s, n, p, cur in zip(products.sku, names, products.unit_price, products.currency, strict=True)
    ]


def load_order_lines(engine: Engine) -> pd.DataFrame:
    """All order lines joined with product category: customer_id, item_id, order_id, ordered_at (datetime),
    quantity, unit_price, revenue, category."""
    query = (
        "SELECT o.customer_id, o.sku AS item_id, o.order_id, o.ordered_at, o.quantity, o.unit_price, "
        "COALESCE(p.category, '') AS category FROM order_lines o LEFT JOIN products p ON p.sku = o.sku"
    )
    with engine.connect() as conn:
        frame = pd.read_sql_query(text(query), conn)
    frame["ordered_at"] = pd.to_datetime(frame["ordered_at"])
    frame["revenue"] = frame["quantity"] * frame["unit_price"]
    return frame


def load_products(engine: Engine) -> pd.DataFrame:
    """All products: sku, name, category, subcategory, price, currency, description."""
    with engine.connect() as conn:
        return pd.read_sql_query(
            text("SELECT sku, name, category, subcategory, price, currency, description FROM products"), conn
        )


def customer_exists(engine: Engine, customer_id: str) -> bool:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT 1 FROM customers WHERE customer_id = :c"), {"c": customer_id}).first()
    return row is not None


def customer_record(engine: Engine, customer_id: str) -> dict:
    """The customer's row plus order totals; `NotFound` for an unknown id."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                text(
                    "SELECT customer_id, email, name, country, signup_date FROM customers WHERE customer_id = :c"
                ),
                {"c": customer_id},
            )
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"unknown customer {customer_id!r}")
        totals = (
            conn.execute(
                text(
                    "SELECT COUNT(DISTINCT order_id) AS orders, COALESCE(SUM(quantity * unit_price), 0) AS spent, "
                    "MIN(ordered_at) AS first_order, MAX(ordered_at) AS last_order, MAX(currency) AS currency "
                    "FROM order_lines WHERE customer_id = :c"
                ),
                {"c": customer_id},
            )
            .mappings()
            .first()
        )
    return {**dict(row), **dict(totals)}
