"""Commerce data the recommender and the segments are trained from: customers, products, order lines.

No foreign keys from order lines: an order file may name customers or products before their own files are imported;
the order import adds a minimal row for each unknown customer and product instead. (order_id, line_no) is a line's
identity: line_no counts the lines of one order in file order, so re-importing a file updates the same rows.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, Float, Index, Integer, MetaData, Table, Text

VERSION = 1
metadata = MetaData()

Table(
    "customers",
    metadata,
    Column("customer_id", Text, primary_key=True),
    Column("email", Text),
    Column("name", Text),
    Column("country", Text),
    Column("signup_date", Text),
)
Table(
    "products",
    metadata,
    Column("sku", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("category", Text, nullable=False, server_default=""),
    Column("subcategory", Text, nullable=False, server_default=""),
    Column("price", Float),
    Column("currency", Text),
    Column("description", Text, nullable=False, server_default=""),
)
Table(
    "order_lines",
    metadata,
    Column("order_id", Text, primary_key=True),
    Column("line_no", Integer, primary_key=True, autoincrement=False),
    Column("customer_id", Text, nullable=False),
    Column("sku", Text, nullable=False),
    Column("quantity", Float, nullable=False),
    Column("unit_price", Float, nullable=False),
    Column("currency", Text, nullable=False),
    Column("ordered_at", Text, nullable=False),
    Index("ix_order_lines_customer", "customer_id", "ordered_at"),
    Index("ix_order_lines_sku", "sku"),
)


def upgrade(conn: Connection) -> None:
    metadata.create_all(conn)
