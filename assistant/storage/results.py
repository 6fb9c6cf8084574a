"""Stored campaign results (tables from migration 0031): imported reports and their rows, summed per draft.

SQLAlchemy Core over the service's engine, the same on SQLite and PostgreSQL. An import is one transaction: the
import's record and all its rows, or nothing. The same file (by SHA-256) is refused a second time, since its figures
would be counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, bindparam, text
from sqlalchemy.exc import IntegrityError

from assistant.errors import BadInput


@dataclass(frozen=True)
class ResultRow:
    """One report row to store, already tied to its draft."""

    draft_id: int
    line: int
    impressions: int
    clicks: int
    conversions: float
    cost: float
    currency: str = ""
    period_start: str | None = None
    period_end: str | None = None


@dataclass(frozen=True)
class DraftTotals:
    """A draft's results summed over every import."""

    draft_id: int
    impressions: int
    clicks: int
    conversions: float
    cost: float
    currencies: tuple[str, ...]
    period_start: str | None
    period_end: str | None
    imports: int


@dataclass(frozen=True)
class StoredImport:
    import_id: int
    created_at: str
    imported_by: str
    filename: str
    layout: str
    rows: int


class ResultStore:
    """Campaign results in the service's database."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def previous(self, sha256: str) -> StoredImport | None:
        """The import of the file with this hash, if it was imported before."""
        with self.engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT id, created_at, imported_by, filename, layout, rows FROM campaign_imports "
                    "WHERE sha256 = :sha"
                ),
                {"sha": sha256},
            ).first()
        return StoredImport(*row) if row else None

    def add_import(
        self, *, filename: str, layout: str, sha256: str, imported_by: str, rows: Sequence[ResultRow]
    ) -> int:
        """Store an import and all its rows in one transaction; return the import's id."""
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds")
        try:
            with self.engine.begin() as conn:
                import_id = conn.execute(
                    text(
                        "INSERT INTO campaign_imports (created_at, imported_by, filename, layout, sha256, rows) "
                        "VALUES (:now, :by, :filename, :layout, :sha, :rows) RETURNING id"
                    ),
                    {
                        "now": stamp,
                        "by": imported_by,
                        "filename": filename,
                        "layout": layout,
                        "sha": sha256,
                        "rows": len(rows),
                    },
                ).scalar_one()
                conn.execute(
                    text(
                        "INSERT INTO campaign_results (import_id, draft_id, line, impressions, clicks, conversions, "
                        "cost, currency, period_start, period_end) VALUES (:import_id, :draft_id, :line, "
                        ":impressions, :clicks, :conversions, :cost, :currency, :period_start, :period_end)"
                    ),
                    [{"import_id": import_id, **vars(r)} for r in rows],
                )
        except IntegrityError as exc:
            if self.previous(sha256) is not None:  # another server stored the same file a moment ago
                raise BadInput(
                    f"{filename} was imported already; its figures would be counted twice"
                ) from exc
            raise
        return int(import_id)

    def totals(self, draft_ids: Iterable[int]) -> dict[int, DraftTotals]:
        """Each draft's summed results (drafts without any are left out)."""
        ids = sorted(set(draft_ids))
        if not ids:
            return {}
        query = text(
            "SELECT draft_id, SUM(impressions), SUM(clicks), SUM(conversions), SUM(cost), MIN(period_start), "
            "MAX(period_end), COUNT(DISTINCT import_id) FROM campaign_results WHERE draft_id IN :ids "
            "GROUP BY draft_id"
        ).bindparams(bindparam("ids", expanding=True))
        currencies = text(
            "SELECT DISTINCT draft_id, currency FROM campaign_results WHERE draft_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        with self.engine.connect() as conn:
            money: dict[int, list[str]] = {}
            for draft_id, currency in conn.execute(currencies, {"ids": ids}):
                if currency:
                    money.setdefault(int(draft_id), []).append(currency)
            return {
                int(r[0]): DraftTotals(
                    draft_id=int(r[0]),
                    impressions=int(r[1]),
                    clicks=int(r[2]),
                    conversions=float(r[3]),
                    cost=float(r[4]),
                    currencies=tuple(sorted(money.get(int(r[0]), []))),
                    period_start=r[5],
                    period_end=r[6],
                    imports=int(r[7]),
                )
                for r in conn.execute(query, {"ids": ids})
            }

    def periods(self, draft_ids: Iterable[int]) -> dict[int, list[tuple[str, str, int]]]:
        """Each draft's stored periods: (start, end, import id) of its rows that name one."""
        ids = sorted(set(draft_ids))
        if not ids:
            return {}
        query = text(
            "SELECT DISTINCT draft_id, period_start, period_end, import_id FROM campaign_results "
            "WHERE draft_id IN :ids AND period_start IS NOT NULL AND period_end IS NOT NULL"
        ).bindparams(bindparam("ids", expanding=True))
        out: dict[int, list[tuple[str, str, int]]] = {}
        with self.engine.connect() as conn:
            for draft_id, start, end, import_id in conn.execute(query, {"ids": ids}):
                out.setdefault(int(draft_id), []).append((start, end, int(import_id)))
        return out

    def briefs_with_results(self) -> list[str | None]:
        """The briefs (None: drafts without one) whose drafts have results, most recently imported first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT s.brief_id, MAX(r.import_id) AS last FROM campaign_results r "
                    "JOIN drafts d ON d.id = r.draft_id JOIN draft_sets s ON s.id = d.set_id "
                    "GROUP BY s.brief_id ORDER BY last DESC"
                )
            ).all()
        return [r[0] for r in rows]
