"""Database engine and numbered migrations (SQLite by default, any SQLAlchemy URL works).

Migrations are modules in `assistant/storage/migrations/` (SQLAlchemy Core, the same on every engine), applied in
order, each once, each in its own transaction; the applied numbers are kept in the `schema_migrations` table. Rooms
add their own numbered module: the commerce tables (customers, products, orders) and the conversation tables
(sessions, turns, ...) live side by side.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text

from assistant.storage.migrations import migrations

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers run beside the one writer and survives a kill -9 mid-write; busy_timeout waits instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def get_engine(url: str) -> Engine:
    """Return the (cached, thread-safe) engine for `url`, with migrations applied."""
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            if url.startswith("sqlite:///"):
                Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
                engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(url, pool_pre_ping=True)
            migrate(engine)
            _engines[url] = engine
        return engine


def migrate(engine: Engine) -> list[int]:
    """Apply the migrations not applied yet; return their numbers."""
    applied_now = []
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL)"
            )
        )
        done = {row[0] for row in conn.execute(text("SELECT version FROM schema_migrations"))}
    for migration in migrations():
        if migration.version in done:
            continue
        with engine.begin() as conn:
            migration.upgrade(conn)
            conn.execute(
                text("INSERT INTO schema_migrations (version, name) VALUES (:v, :n)"),
                {"v": migration.version, "n": migration.name},
            )
        applied_now.append(migration.version)
    return applied_now
