"""Migrations on SQLite and a real PostgreSQL server: versioned, applied once, safe when servers start together."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from assistant.settings import REPO_ROOT
from assistant.storage.db import get_engine, migrate, migration_lock, normalize_url
from assistant.storage.migrations import migrations

EXPECTED_TABLES = {"chat_sessions", "chat_turns", "customers", "order_lines", "products", "schema_migrations"}


def _applied(url: str) -> list[int]:
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            return [
                r[0] for r in conn.execute(text("SELECT version FROM schema_migrations ORDER BY version"))
            ]
    finally:
        engine.dispose()


def test_every_migration_is_applied_once_in_order(database_url):
    engine = get_engine(database_url)
    versions = [m.version for m in migrations()]
    assert _applied(database_url) == versions
    assert EXPECTED_TABLES <= set(inspect(engine).get_table_names())
    assert migrate(engine) == []  # a second run finds nothing to do


def test_keys_are_numbered_by_the_database(database_url):
    # The old schema's `id INTEGER PRIMARY KEY` numbered rows on SQLite only; identity keys work on both engines.
    engine = get_engine(database_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO chat_sessions (id, role, customer_id, created_at, updated_at) "
                "VALUES ('s1', 'customer', NULL, '2026-01-01', '2026-01-01')"
            )
        )
        ids = [
            conn.execute(
                text(
                    "INSERT INTO chat_turns (session_id, message, reply, action, created_at) "
                    "VALUES ('s1', :m, 'r', 'answer', '2026-01-01') RETURNING id"
                ),
                {"m": f"m{i}"},
            ).scalar_one()
            for i in range(3)
        ]
    assert ids == sorted(ids) and len(set(ids)) == 3


def test_servers_starting_together_migrate_once(database_url):
    # Three processes open the same fresh database, as three app servers would at a deploy. The test holds the
    # migration lock first: none of them may create a table until it lets go, then each version is applied once.
    code = (
        "import sys; from assistant.storage.db import get_engine; "
        "print('ready', flush=True); get_engine(sys.argv[1]); print('migrated', flush=True)"
    )
    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    holder = create_engine(normalize_url(database_url))
    with migration_lock(holder):
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", code, database_url],
                cwd=REPO_ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        assert [proc.stdout.readline().strip() for proc in procs] == ["ready"] * 3
        time.sleep(1.0)
        assert all(proc.poll() is None for proc in procs)  # all waiting for the lock
        assert inspect(holder).get_table_names() == []
    results = [proc.communicate(timeout=120) for proc in procs]
    holder.dispose()
    assert [proc.returncode for proc in procs] == [0, 0, 0], [err[-2000:] for _, err in results]
    assert _applied(database_url) == [m.version for m in migrations()]
