"""Ad-copy drafts as records: one set per drafting request (who asked, products, brief, segment, channel), one draft per
variant (angle, status, who decided and when), and every version of a draft's lines (text, source, backing facts, pin).

A draft's current lines are its highest version; an edit adds a version and never rewrites an old one, so what was
approved stays readable after later edits (`approved_version`).
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, Float, ForeignKey, Index, Integer, MetaData, Table, Text

from assistant.storage.migrations import AutoId

VERSION = 10
metadata = MetaData()

Table(
    "draft_sets",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("created_at", Text, nullable=False),
    Column("asked_by", Text, nullable=False),
    Column("session_id", Text),  # the chat conversation it was asked in, if any
    Column("channel", Text, nullable=False),
    Column("skus", Text, nullable=False),  # JSON list
    Column("brief_id", Text),
    Column("segment", Text),
    Column("origin", Text, nullable=False, server_default="draft_copy"),  # draft_copy | more_like_this
    Column("parent_draft_id", AutoId),
    Column("parent_line", Text),  # "headlines 3" for a "more like this"
    Column("distinct_2", Float),
    Index("ix_draft_sets_brief_channel", "brief_id", "channel"),
)
Table(
    "drafts",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("set_id", AutoId, ForeignKey("draft_sets.id", ondelete="CASCADE"), nullable=False),
    Column("variant", Integer, nullable=False),
    Column("angle", Text, nullable=False, server_default=""),
    Column("status", Text, nullable=False, server_default="draft"),  # draft | approved | rejected
    Column("version", Integer, nullable=False, server_default="1"),
    Column("final_url", Text, nullable=False, server_default=""),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
    Column("decided_by", Text),
    Column("decided_at", Text),
    Column("decision_note", Text),
    Column("approved_version", Integer),
    Index("ix_drafts_set", "set_id", "variant"),
    Index("ix_drafts_status", "status", "id"),
)
Table(
    "draft_versions",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("draft_id", AutoId, ForeignKey("drafts.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("lines", Text, nullable=False),  # JSON list of DraftLine
    Column("edited_by", Text, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("created_at", Text, nullable=False),
    Index("ux_draft_versions", "draft_id", "version", unique=True),
)


def upgrade(conn: Connection) -> None:
    metadata.create_all(conn)
