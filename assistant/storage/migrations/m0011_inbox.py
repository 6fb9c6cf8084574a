"""The handoff inbox: who works a handoff and when it was closed (`handoff_work`, one row per handoff), and the staff's
replies to the customer (`handoff_messages`, read by the widget by session). Beside `chat_handoffs`, not in it: the
conversation store keeps its table; the inbox adds what working a request needs.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, ForeignKey, Index, MetaData, Table, Text

from assistant.storage.migrations import AutoId

VERSION = 11
metadata = MetaData()

# Migration 0002's table, declared here only so that the foreign keys below can name it (it is not created again).
_handoffs = Table("chat_handoffs", metadata, Column("id", AutoId, primary_key=True))
_work = Table(
    "handoff_work",
    metadata,
    Column(
        "handoff_id",
        AutoId,
        ForeignKey("chat_handoffs.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("assignee", Text),
    Column("assigned_at", Text),
    Column("closed_by", Text),
    Column("closed_at", Text),
    Column("webhook_status", Text),  # "delivered (200)", "failed: timed out", ...
    Column("webhook_at", Text),
)
_messages = Table(
    "handoff_messages",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("handoff_id", AutoId, ForeignKey("chat_handoffs.id", ondelete="CASCADE"), nullable=False),
    Column("session_id", Text, nullable=False),
    Column("author", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Index("ix_handoff_messages_session", "session_id", "id"),
    Index("ix_handoff_messages_handoff", "handoff_id", "id"),
)


def upgrade(conn: Connection) -> None:
    metadata.create_all(conn, tables=[_work, _messages])
