"""Numbered schema migrations, one module each (`mNNNN_name.py` with `VERSION` and `upgrade(conn)`).

Tables are declared with SQLAlchemy Core, so one migration creates the same schema on SQLite and PostgreSQL (an
integer primary key becomes SQLite's rowid alias there and an identity column here). Rooms add their own numbered
module; `assistant.storage.db.migrate` applies the ones not applied yet, in order, each in its own transaction.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import BigInteger, Connection, Integer

# An auto-numbered key on every engine: BIGINT identity on PostgreSQL, INTEGER PRIMARY KEY (the rowid) on SQLite.
AutoId = BigInteger().with_variant(Integer(), "sqlite")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    upgrade: Callable[[Connection], None]


def migrations() -> list[Migration]:
    """Every migration module of this package, in version order."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("m"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(Migration(int(module.VERSION), info.name, module.upgrade))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a version: {versions}")
    return found
