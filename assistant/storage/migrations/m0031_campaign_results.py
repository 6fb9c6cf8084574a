"""Campaign results: each imported performance report (`campaign_imports`: who, when, which file, its hash so the same
file is not counted twice) and its rows, one per report row, tied to the draft it is about (`campaign_results`:
impressions, clicks, conversions, cost, the period where the report gives one). A variant's results are the sums of its
rows; an import is written in one transaction, so a file is either all in or not at all.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
)

from assistant.storage.migrations import AutoId

VERSION = 31
metadata = MetaData()

# Migration 0010's table, declared here only so that the foreign key below can name it (it is not created again).
_drafts = Table("drafts", metadata, Column("id", AutoId, primary_key=True))
_imports = Table(
    "campaign_imports",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("created_at", Text, nullable=False),
    Column("imported_by", Text, nullable=False),
    Column("filename", Text, nullable=False),
    Column("layout", Text, nullable=False),  # a key of assistant/workspace/report_layouts.yaml
    Column("sha256", Text, nullable=False),
    Column("rows", Integer, nullable=False),
    Index("ux_campaign_imports_sha256", "sha256", unique=True),
)
_results = Table(
    "campaign_results",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("import_id", AutoId, ForeignKey("campaign_imports.id", ondelete="CASCADE"), nullable=False),
    Column("draft_id", AutoId, ForeignKey("drafts.id", ondelete="CASCADE"), nullable=False),
    Column("line", Integer, nullable=False),  # the row's line in the file, for "row 12 says ..."
    Column("impressions", BigInteger, nullable=False),
    Column("clicks", BigInteger, nullable=False),
    Column("conversions", Float, nullable=False),  # fractional under data-driven attribution
    Column("cost", Float, nullable=False),
    Column("currency", Text, nullable=False, server_default=""),
    Column("period_start", Text),
    Column("period_end", Text),
    Index("ix_campaign_results_draft", "draft_id"),
    Index("ix_campaign_results_import", "import_id"),
)


def upgrade(conn: Connection) -> None:
    metadata.create_all(conn, tables=[_imports, _results])
