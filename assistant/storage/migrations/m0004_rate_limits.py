"""Rate limits that hold across app servers: one token bucket per key (`client:<address>`, `session:<id>`).

`tokens` is the bucket's level after the last hit at `updated_at` (Unix seconds); `allowed` says whether that hit
was let through, so one atomic upsert both refills, takes a token and reports the outcome. A bucket idle for long
is full again; idle rows are swept.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, Float, Index, Integer, MetaData, Table, Text

VERSION = 4
metadata = MetaData()

Table(
    "rate_buckets",
    metadata,
    Column("key", Text, primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("allowed", Integer, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("ix_rate_buckets_updated", "updated_at"),
)


def upgrade(conn: Connection) -> None:
    metadata.create_all(conn)
