"""Turns remember how they ended and in which language they were answered.

`outcome`: "answered", "not_found" (nothing in the help pages), "offered" (a person was offered), "awaiting_contact"
(a person was wanted but there is no way to reach the customer yet), "handoff" (a person was asked to take over), or
"" for turns stored before this migration. The next turn reads it: a "yes" after an offer, or the same question
again after "not_found", goes to a person. `language`: the reply's language, kept across short messages ("ok").
"""

from __future__ import annotations

from sqlalchemy import Connection, inspect, text

VERSION = 20


def upgrade(conn: Connection) -> None:
    present = {c["name"] for c in inspect(conn).get_columns("chat_turns")}
    for name in ("outcome", "language"):
        if name not in present:
            # The same DDL on SQLite and PostgreSQL.
            conn.execute(text(f"ALTER TABLE chat_turns ADD COLUMN {name} TEXT NOT NULL DEFAULT ''"))
