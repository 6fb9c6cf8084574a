"""First-run bootstrap: everything `make run` needs on a fresh machine, each step done once.

    report = prepare_demo(settings)          # called by `mka serve` when settings.bootstrap_demo is on
    report = prepare_demo(settings, customers=200, progress=False)   # a small shop, e.g. in tests

Steps, in order:

1. ``generate``  write `<data_dir>/demo/customers.csv` and `orders.csv` from the demo catalog (seeded generator);
2. ``kb``        sync `settings.demo_dir` into the knowledge base (Chroma + BM25);
3. ``database``  import products, customers and orders into the database;
4. ``models``    train the recommender and segmentation models (artifacts under `settings.artifacts_dir`).

Each step is idempotent and skipped when done: `<data_dir>/bootstrap.json` records, per step, a fingerprint of its
inputs (file contents, settings that matter). A step whose inputs changed runs again; `force=True` redoes all.
A step whose code is not available in this build is reported as ``unavailable`` and not marked done, so a later
run picks it up. A file lock keeps two processes (two server workers) from bootstrapping at the same time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from assistant.errors import AssistantError, ConfigError, Unavailable
from assistant.settings import Settings

log = logging.getLogger(__name__)

# Bump when a step's behaviour changes so existing installs redo it.
BOOTSTRAP_VERSION = 1
MARKER_NAME = "bootstrap.json"
STEPS = ("generate", "kb", "database", "models")


@dataclass
class StepResult:
    """What one step did: ``done`` (it ran), ``skipped`` (already done), ``unavailable`` (its code is missing)."""

    name: str
    status: str
    detail: str = ""
    seconds: float = 0.0


@dataclass
class BootstrapReport:
    """The outcome of `prepare_demo`, one `StepResult` per step in order."""

    steps: list[StepResult] = field(default_factory=list)

    @property
    def ran(self) -> list[str]:
        """Names of the steps that did work in this call."""
        return [s.name for s in self.steps if s.status == "done"]

    @property
    def did_nothing(self) -> bool:
        return not self.ran

    def step(self, name: str) -> StepResult:
        return next(s for s in self.steps if s.name == name)


class _Marker:
    """The `bootstrap.json` file: step name -> {fingerprint, finished_at, detail}."""

    def __init__(self, path: Path):
        self.path = path
        self.data: dict[str, dict] = {}
        if path.is_file():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(loaded, dict) and loaded.get("version") == BOOTSTRAP_VERSION:
                    self.data = dict(loaded.get("steps", {}))
            except (OSError, ValueError):
                log.warning("bootstrap marker %s is unreadable; redoing the steps", path)

    def is_done(self, step: str, fingerprint: str) -> bool:
        return self.data.get(step, {}).get("fingerprint") == fingerprint

    def mark(self, step: str, fingerprint: str, detail: str) -> None:
        self.data[step] = {
            "fingerprint": fingerprint,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "detail": detail,
        }
        # write-then-rename: a crash never leaves a half-written marker
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(
            json.dumps({"version": BOOTSTRAP_VERSION, "steps": self.data}, indent=2), encoding="utf-8"
        )
        tmp.replace(self.path)


def _hash_files(paths: list[Path], root: Path | None = None, extra: str = "") -> str:
    h = hashlib.sha256(extra.encode())
    for p in paths:
        name = p.relative_to(root).as_posix() if root else p.name
        h.update(name.encode() + b"\0")
        h.update(p.read_bytes() if p.is_file() else b"<missing>")
        h.update(b"\0")
    return h.hexdigest()[:20]


def _tree(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    """An exclusive lock on `path` (POSIX flock); a no-op where fcntl does not exist."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def demo_data_dir(settings: Settings) -> Path:
    """Where the generated customers.csv and orders.csv live."""
    return settings.data_dir / "demo"


def prepare_demo(
    settings: Settings,
    progress: bool = True,
    *,
    customers: int = 2500,
    seed: int = 7,
    force: bool = False,
    console: Console | None = None,
) -> BootstrapReport:
    """Bring the demo shop to a runnable state; skip every step that is already done. See the module docstring.

    Raises the step's error (`ConfigError`, `Unavailable`, `BadInput`, ...) when a step fails; steps finished before
    it stay marked done, so the next call resumes where this one stopped.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    console = console or Console(stderr=True, quiet=not progress)
    catalog_csv = settings.demo_dir / "catalog.csv"
    if not catalog_csv.is_file():
        raise ConfigError(f"demo catalog not found: {catalog_csv} (set MKA_DEMO_DIR to the demo shop folder)")
    out_dir = demo_data_dir(settings)
    customers_csv, orders_csv = out_dir / "customers.csv", out_dir / "orders.csv"

    def generate() -> tuple[str, Callable[[], str], bool]:
        fp = _hash_files([catalog_csv], extra=f"generate|{customers}|{seed}")

        def run() -> str:
            from assistant.commerce.demo import generate_demo_shop

            files = generate_demo_shop(
                catalog_csv, out_dir, seed=seed, customers=customers, progress=progress
            )
            return f"{files.customers} customers, {files.orders} orders ({files.lines} lines)"

        # files present but never recorded (a copied data dir): adopt them rather than overwrite someone's data
        present = customers_csv.is_file() and orders_csv.is_file()
        adopt = present and "generate" not in marker.data
        return fp, (_adopt if adopt and not force else run), present

    def kb() -> tuple[str, Callable[[], str], bool]:
        fp = _hash_files(_tree(settings.demo_dir), settings.demo_dir, extra=f"kb|{settings.chroma_path}")

        def run() -> str:
            from retrieval import IndexUnavailable, KnowledgeBase, ModelMissing

            try:
                kbase = KnowledgeBase.open(settings.retrieval, settings.chroma_path)
                report = kbase.sync([settings.demo_dir], progress=progress)
            except ModelMissing as exc:
                raise ConfigError(str(exc)) from exc
            except IndexUnavailable as exc:
                raise Unavailable(str(exc)) from exc
            for source, reason in report.failed:
                log.warning("knowledge base: could not ingest %s: %s", source, reason)
            return (
                f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
                f"{len(report.removed)} removed, {len(report.failed)} failed"
            )

        # a remote Chroma server is trusted to keep its data; a local index must still be on disk
        present = settings.retrieval.chroma_host is not None or settings.chroma_path.exists()
        return fp, run, present

    def database() -> tuple[str, Callable[[], str], bool]:
        from assistant.commerce.imports import import_customers, import_orders, import_products

        fp = _hash_files([catalog_csv, customers_csv, orders_csv], extra=f"database|{settings.db_url}")

        def run() -> str:
            from assistant.storage.db import get_engine

            engine = get_engine(settings.db_url)
            parts = []
            for func, path in (
                (import_products, catalog_csv),
                (import_customers, customers_csv),
                (import_orders, orders_csv),
            ):
                result = func(engine, path)
                parts.append(_describe(result))
            return "; ".join(parts)

        db_file = (
            settings.db_url.removeprefix("sqlite:///") if settings.db_url.startswith("sqlite:///") else None
        )
        return fp, run, db_file is None or Path(db_file).exists()

    def models() -> tuple[str, Callable[[], str], bool]:
        from assistant.commerce.models import train_all

        fp = _hash_files([catalog_csv, customers_csv, orders_csv], extra=f"models|{settings.db_url}")

        def run() -> str:
            return _describe(train_all(settings, progress=progress))

        art = Path(settings.artifacts_dir)
        # the files `load_models` needs; a folder with anything else in it is not a trained model
        artifacts_present = (art / "recommender" / "recommender.json").is_file() and (
            art / "segments" / "segments.json"
        ).is_file()
        adopt = artifacts_present and "models" not in marker.data
        return fp, (_adopt if adopt and not force else run), artifacts_present

    planners: dict[str, Callable[[], tuple[str, Callable[[], str], bool] | str]] = {
        "generate": generate,
        "kb": kb,
        "database": database,
        "models": models,
    }
    titles = {
        "generate": "demo customers and orders",
        "kb": "knowledge base",
        "database": "database import",
        "models": "recommender and segments",
    }

    report = BootstrapReport()
    marker = _Marker(settings.data_dir / MARKER_NAME)
    with _lock(settings.data_dir / "bootstrap.lock"):
        marker = _Marker(settings.data_dir / MARKER_NAME)  # re-read: another process may have finished steps
        for i, name in enumerate(STEPS, start=1):
            head = f"[{i}/{len(STEPS)}] {titles[name]}"
            plan = planners[name]()
            if isinstance(plan, str):
                log.warning("bootstrap step %s left out: %s", name, plan)
                console.print(f"{head}: [yellow]left out[/yellow] ({plan})")
                report.steps.append(StepResult(name, "unavailable", plan))
                continue
            fp, run, present = plan
            # done = same inputs as last time and the outputs still there (someone may have deleted var/chroma)
            if not force and present and marker.is_done(name, fp):
                console.print(f"{head}: [dim]already done[/dim]")
                report.steps.append(StepResult(name, "skipped", marker.data[name].get("detail", "")))
                continue
            started = time.perf_counter()
            # a header line, then the step's own tqdm bars (a rich live display would garble them)
            console.print(f"[bold]{head}[/bold] ...")
            try:
                detail = run()
            except AssistantError:
                raise
            except Exception as exc:  # a failed step names itself; the marker keeps earlier steps done
                raise Unavailable(f"bootstrap step {name!r} failed: {exc}") from exc
            seconds = time.perf_counter() - started
            marker.mark(name, fp, detail)
            console.print(f"{head}: [green]done[/green] in {seconds:.1f} s ({detail})")
            log.info("bootstrap step %s done in %.1f s: %s", name, seconds, detail)
            report.steps.append(StepResult(name, "done", detail, seconds))
    if progress:
        console.print(_table(report))
    return report


def _adopt() -> str:
    """For outputs that exist but that no marker records (a copied data dir): keep them and record them as done."""
    return "outputs already present; kept"


def _describe(result: object) -> str:
    if result is None:
        return "ok"
    summary = getattr(result, "summary", None)
    if callable(summary):  # e.g. commerce.ImportReport
        return str(summary())
    if isinstance(result, int | float):
        return str(result)
    if isinstance(result, dict):
        return ", ".join(f"{k}={v}" for k, v in result.items())
    text = str(result)
    return text if len(text) <= 200 else text[:197] + "..."


def _table(report: BootstrapReport) -> Table:
    table = Table(title="demo bootstrap")
    table.add_column("step")
    table.add_column("status")
    table.add_column("seconds", justify="right")
    table.add_column("detail")
    for s in report.steps:
        table.add_row(s.name, s.status, f"{s.seconds:.1f}" if s.status == "done" else "", s.detail)
    return table
