"""Turns remember what their reply was about (products shown in order, kind, topic, section, the catalog query).

`about`: the reply's `About` as JSON ("" for turns stored before this migration, read as nothing). The next turn
resolves "it", "the second one", "which one is lighter" and "in blue?" against it.
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

VERSION = 23


def upgrade(conn: Connection) -> None:
    present = {c["name"] for c in inspect(conn).get_columns("chat_turns")}
    if "about" not in present:
        # The same DDL on SQLite and PostgreSQL.
        conn.execute(text("ALTER TABLE chat_turns ADD COLUMN about TEXT NOT NULL DEFAULT ''"))
