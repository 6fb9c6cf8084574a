"""First-run bootstrap: everything `make run` needs on a fresh machine, each step done once.

    report = prepare_demo(settings)          # called by `mka serve` when settings.bootstrap_demo is on
    report = prepare_demo(settings, customers=200, progress=False)   # a small shop, e.g. in tests

Steps, in order:

1. ``generate``  write `<data_dir>/demo/customers.csv` and `orders.csv` from the demo catalog (seeded generator);
2. ``kb``        sync `settings.demo_dir` into the knowledge base (Chroma + BM25);
3. ``database``  import products, customers and orders into the database;
4. ``models``    train the recommender and segmentation models (artifacts under `settings.artifacts_dir`);
5. ``reviews``   write `<data_dir>/demo/reviews.csv` (seeded) and import it: sentiment and aspects (assistant.reviews).

Each step is idempotent and skipped when done: `<data_dir>/bootstrap.json` records, per step, a fingerprint of its
inputs (file contents, settings that matter). A step whose inputs changed runs again; `force=True` redoes all.
A file lock keeps two processes (two server workers) from bootstrapping at the same time.
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
STEPS = ("generate", "kb", "database", "models", "reviews")


@dataclass
class StepResult:
    """What one step did: ``done`` (it ran) or ``skipped`` (already done)."""

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


@dataclass(frozen=True)
class _Plan:
    """One step, planned: the fingerprint of its inputs, what to run, and whether its outputs are on disk."""

    fingerprint: str
    run: Callable[[], str]
    present: bool


TITLES = {
    "generate": "demo customers and orders",
    "kb": "knowledge base",
    "database": "database import",
    "models": "recommender and segments",
    "reviews": "demo reviews and what they say",
}


class _DemoSteps:
    """The four steps of the demo bootstrap, each planned from the settings and the files."""

    def __init__(
        self, settings: Settings, marker: _Marker, *, customers: int, seed: int, force: bool, progress: bool
    ):
        self.settings, self.marker = settings, marker
        self.customers, self.seed, self.force, self.progress = customers, seed, force, progress
        self.catalog_csv = settings.demo_dir / "catalog.csv"
        out_dir = demo_data_dir(settings)
        self.out_dir = out_dir
        self.customers_csv, self.orders_csv = out_dir / "customers.csv", out_dir / "orders.csv"

    def plan(self, name: str) -> _Plan:
        return getattr(self, f"_{name}")()

    def _adopt_or(self, name: str, run: Callable[[], str], present: bool) -> Callable[[], str]:
        # outputs present but never recorded (a copied data dir): adopt them rather than overwrite someone's data
        return _adopt if present and name not in self.marker.data and not self.force else run

    def _generate(self) -> _Plan:
        fp = _hash_files([self.catalog_csv], extra=f"generate|{self.customers}|{self.seed}")

        def run() -> str:
            from assistant.commerce.demo import generate_demo_shop

            files = generate_demo_shop(
                self.catalog_csv,
                self.out_dir,
                seed=self.seed,
                customers=self.customers,
                progress=self.progress,
            )
            return f"{files.customers} customers, {files.orders} orders ({files.lines} lines)"

        present = self.customers_csv.is_file() and self.orders_csv.is_file()
        return _Plan(fp, self._adopt_or("generate", run, present), present)

    def _kb(self) -> _Plan:
        settings = self.settings
        fp = _hash_files(_tree(settings.demo_dir), settings.demo_dir, extra=f"kb|{settings.chroma_path}")

        def run() -> str:
            from retrieval import IndexUnavailable, KnowledgeBase, ModelMissing

            try:
                kbase = KnowledgeBase.open(settings.retrieval, settings.chroma_path)
                report = kbase.sync([settings.demo_dir], progress=self.progress)
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
        return _Plan(fp, run, present)

    def _database(self) -> _Plan:
        from assistant.commerce.imports import import_customers, import_orders, import_products

        url = self.settings.db_url
        fp = _hash_files([self.catalog_csv, self.customers_csv, self.orders_csv], extra=f"database|{url}")

        def run() -> str:
            from assistant.storage.db import get_engine

            engine = get_engine(url)
            files = ((import_products, self.catalog_csv), (import_customers, self.customers_csv))
            parts = [
                _describe(func(engine, path)) for func, path in (*files, (import_orders, self.orders_csv))
            ]
            return "; ".join(parts)

        db_file = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
        return _Plan(fp, run, db_file is None or Path(db_file).exists())

    def _models(self) -> _Plan:
        from assistant.commerce.models import train_all, trained
        from assistant.commerce.models.recommender import ARTIFACT_FORMAT

        # the artifacts' format is an input too: a set saved by an older version is trained again, not adopted
        inputs = [self.catalog_csv, self.customers_csv, self.orders_csv]
        fp = _hash_files(inputs, extra=f"models|{ARTIFACT_FORMAT}|{self.settings.db_url}")

        def run() -> str:
            return _describe(train_all(self.settings, progress=self.progress))

        present = trained(self.settings)  # a published set: the files `load_models` needs
        return _Plan(fp, self._adopt_or("models", run, present), present)

    def _reviews(self) -> _Plan:
        from assistant.reviews import REVIEW_INPUTS

        url = self.settings.db_url
        extra = f"reviews|{url}|{self.settings.reviews_sentiment}"
        fp = _hash_files([self.catalog_csv, *REVIEW_INPUTS], extra=extra)

        def run() -> str:
            from assistant.commerce.catalog import Catalog
            from assistant.reviews import prepare_demo_reviews
            from assistant.storage.db import get_engine

            catalog = Catalog.from_csv(self.catalog_csv)
            out = self.out_dir / "reviews.csv"
            return prepare_demo_reviews(get_engine(url), catalog, out, self.settings.reviews_sentiment)

        return _Plan(fp, run, (self.out_dir / "reviews.csv").is_file())


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
    report = BootstrapReport()
    with _lock(settings.data_dir / "bootstrap.lock"):
        marker = _Marker(
            settings.data_dir / MARKER_NAME
        )  # read under the lock: another process may have finished
        steps = _DemoSteps(settings, marker, customers=customers, seed=seed, force=force, progress=progress)
        for i, name in enumerate(STEPS, start=1):
            report.steps.append(
                _run_step(
                    f"[{i}/{len(STEPS)}] {TITLES[name]}", name, steps.plan(name), marker, force, console
                )
            )
    if progress:
        console.print(_table(report))
    return report


def _run_step(
    head: str, name: str, plan: _Plan, marker: _Marker, force: bool, console: Console
) -> StepResult:
    # done = same inputs as last time and the outputs still there (someone may have deleted var/chroma)
    if not force and plan.present and marker.is_done(name, plan.fingerprint):
        console.print(f"{head}: [dim]already done[/dim]")
        return StepResult(name, "skipped", marker.data[name].get("detail", ""))
    started = time.perf_counter()
    # a header line, then the step's own tqdm bars (a rich live display would garble them)
    console.print(f"[bold]{head}[/bold] ...")
    try:
        detail = plan.run()
    except AssistantError:
        raise
    except Exception as exc:  # a failed step names itself; the marker keeps earlier steps done
        raise Unavailable(f"bootstrap step {name!r} failed: {exc}") from exc
    seconds = time.perf_counter() - started
    marker.mark(name, plan.fingerprint, detail)
    console.print(f"{head}: [green]done[/green] in {seconds:.1f} s ({detail})")
    log.info("bootstrap step %s done in %.1f s: %s", name, seconds, detail)
    return StepResult(name, "done", detail, seconds)


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
