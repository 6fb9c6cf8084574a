"""Conversations: sessions, turns (with their tool calls and citations), feedback and handoff requests.

Times are ISO 8601 UTC text so that every SQL backend sorts them the same way. A retried request with the same
turn key stores its turn once; one vote per turn (a second vote replaces the first).
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, Float, ForeignKey, Index, Integer, MetaData, Table, Text

from assistant.storage.migrations import AutoId

VERSION = 2
metadata = MetaData()

Table(
    "chat_sessions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("role", Text, nullable=False),
    Column("customer_id", Text),
    Column("created_at", Text, nullable=False),
    Column("updated_at", Text, nullable=False),
)
Table(
    "chat_turns",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("session_id", Text, ForeignKey("chat_sessions.id", ondelete="CASCADE"), nullable=False),
    Column("turn_key", Text),
    Column("message", Text, nullable=False),
    Column("reply", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("intent", Text, nullable=False, server_default=""),
    Column("first_token_ms", Float),
    Column("total_ms", Float),
    Column("created_at", Text, nullable=False),
    Index("ix_chat_turns_session", "session_id", "id"),
    Index("ux_chat_turns_key", "session_id", "turn_key", unique=True),
)
Table(
    "chat_tool_calls",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("turn_id", AutoId, ForeignKey("chat_turns.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("name", Text, nullable=False),
    Column("arguments", Text, nullable=False),
    Column("summary", Text, nullable=False, server_default=""),
    Column("ok", Integer, nullable=False),
    Column("result", Text),
    Index("ix_chat_tool_calls_turn", "turn_id"),
)
Table(
    "chat_citations",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("turn_id", AutoId, ForeignKey("chat_turns.id", ondelete="CASCADE"), nullable=False),
    Column("n", Integer, nullable=False),
    Column("source", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("anchor", Text, nullable=False, server_default=""),
    Column("url", Text),
    Column("snippet", Text, nullable=False, server_default=""),
    Index("ix_chat_citations_turn", "turn_id"),
)
Table(
    "chat_feedback",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("session_id", Text, ForeignKey("chat_sessions.id", ondelete="CASCADE"), nullable=False),
    Column("turn_id", AutoId, ForeignKey("chat_turns.id", ondelete="CASCADE"), nullable=False),
    Column("rating", Integer, nullable=False),
    Column("comment", Text),
    Column("created_at", Text, nullable=False),
    Index("ux_chat_feedback_turn", "turn_id", unique=True),
)
Table(
    "chat_handoffs",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("session_id", Text, ForeignKey("chat_sessions.id", ondelete="CASCADE"), nullable=False),
    Column("turn_id", AutoId),
    Column("contact", Text),
    Column("reason", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="open"),
    Column("created_at", Text, nullable=False),
    Index("ix_chat_handoffs_status", "status", "id"),
)


def upgrade(conn: Connection) -> None:
    metadata.create_all(conn)
