"""Uploaded shop documents, kept in the database so that every app server can index and show them.

One row per upload name (a second upload of the same name replaces the first); `sha256` lets a server tell whether its
local copy is current without reading the bytes.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, Integer, LargeBinary, MetaData, Table, Text

VERSION = 3
metadata = MetaData()

Table(
    "uploads",
    metadata,
    Column("name", Text, primary_key=True),
    Column("content", LargeBinary, nullable=False),
    Column("bytes", Integer, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("uploaded_at", Text, nullable=False),
)


def upgrade(conn: Connection) -> None:
    metadata.create_all(conn)
