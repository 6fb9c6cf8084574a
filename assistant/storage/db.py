"""Database engine and numbered migrations (SQLite by default; PostgreSQL for several app servers).

Migrations are modules in `assistant/storage/migrations/` (SQLAlchemy Core, the same on every engine), applied in
order, each once, each in its own transaction; the applied numbers are kept in the `schema_migrations` table. Rooms
add their own numbered module: the commerce tables (customers, products, orders) and the conversation tables
(sessions, turns, ...) live side by side.

Two servers starting at once against the same database must not both apply a migration: the whole migration run
holds a lock, `pg_advisory_lock` on PostgreSQL (released with its connection even if the process dies) and an
exclusive file lock beside the database file on SQLite. The applied versions are read again under the lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    Table,
    Text,
    create_engine,
    event,
    select,
)

from assistant.storage.migrations import migrations

log = logging.getLogger(__name__)

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()
_process_migrate_lock = threading.Lock()
# Any fixed 64-bit number: the key of the advisory lock every server of this application takes to migrate.
MIGRATION_LOCK_KEY = 0x6D6B615F6D6967  # "mka_mig"

_meta = MetaData()
schema_migrations = Table(
    "schema_migrations",
    _meta,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", Text, nullable=False),
)


def normalize_url(url: str) -> str:
    """`postgres://` and `postgresql://` URLs use psycopg 3 (the `postgres` extra); others are left as they are."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def is_sqlite(url_or_engine: str | Engine) -> bool:
    name = url_or_engine.dialect.name if isinstance(url_or_engine, Engine) else str(url_or_engine)
    return name.startswith("sqlite")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers run beside the one writer and survives a kill -9 mid-write; busy_timeout waits instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _create(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql+psycopg"):
        # Turns run in a pool of worker threads; the pool bounds connections per server (max_connections / servers).
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, pool_recycle=1800)
    return create_engine(url, pool_pre_ping=True)


def get_engine(url: str) -> Engine:
    """Return the (cached, thread-safe) engine for `url`, with migrations applied."""
    url = normalize_url(url)
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _create(url)
            migrate(engine)
            _engines[url] = engine
        return engine


def forget_engine(url: str) -> None:
    """Close the cached engine of `url` (its pooled connections); the next `get_engine` opens a new one."""
    with _engines_lock:
        engine = _engines.pop(normalize_url(url), None)
    if engine is not None:
        engine.dispose()


@contextmanager
def migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection that holds the application's migration lock until the block ends (see the module docstring)."""
    with _process_migrate_lock, engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
            conn.commit()
            try:
                yield conn
            finally:
                conn.rollback()
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
                conn.commit()
        elif is_sqlite(engine) and engine.url.database not in (None, "", ":memory:"):
            with _file_lock(Path(engine.url.database).with_suffix(".migrate.lock")):
                yield conn
        else:
            yield conn


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    import fcntl

    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def migrate(engine: Engine) -> list[int]:
    """Apply the migrations not applied yet, under the migration lock; return their numbers."""
    applied_now = []
    with migration_lock(engine) as conn:
        with conn.begin():
            _meta.create_all(conn, checkfirst=True)
        done = {row[0] for row in conn.execute(select(schema_migrations.c.version))}
        conn.commit()
        for migration in migrations():
            if migration.version in done:
                continue
            with conn.begin():
                migration.upgrade(conn)
                conn.execute(
                    schema_migrations.insert().values(version=migration.version, name=migration.name)
                )
            log.info("database migration %d (%s) applied", migration.version, migration.name)
            applied_now.append(migration.version)
    return applied_now
