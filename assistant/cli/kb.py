"""`mka kb`: ingest documents into the knowledge base, re-sync it, list its sources and search it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from assistant.errors import ConfigError, Unavailable
from assistant.settings import Settings
from retrieval import IndexUnavailable, KnowledgeBase, ModelMissing, SearchFilters, SyncReport

app = typer.Typer(help="The knowledge base: ingest, sync, list, search.", no_args_is_help=True)
console = Console()


def _open(settings: Settings) -> KnowledgeBase:
    try:
        return KnowledgeBase.open(settings.retrieval, settings.chroma_path)
    except IndexUnavailable as exc:
        raise Unavailable(str(exc)) from exc


def _print_report(report: SyncReport) -> None:
    table = Table(title=f"sync finished in {report.seconds:.1f} s", show_lines=False)
    table.add_column("result")
    table.add_column("n", justify="right")
    table.add_column("sources")
    for name in ("added", "updated", "unchanged", "removed"):
        items = getattr(report, name)
        shown = ", ".join(items[:6]) + (f", ... (+{len(items) - 6})" if len(items) > 6 else "")
        table.add_row(name, str(len(items)), shown)
    console.print(table)
    for source, reason in report.failed:
        console.print(f"[red]failed[/red] {source}: {reason}")


def _run_sync(settings: Settings, paths: list[Path]) -> SyncReport:
    kb = _open(settings)
    try:
        report = kb.sync(paths, progress=True)
    except ModelMissing as exc:
        raise ConfigError(str(exc)) from exc
    except IndexUnavailable as exc:
        raise Unavailable(str(exc)) from exc
    _print_report(report)
    return report


def _fail(exc: Exception) -> None:
    console.print(f"[red]error:[/red] {exc}")
    raise typer.Exit(code=1)


@app.command("ingest")
def ingest(
    paths: list[Path] = typer.Argument(
        ..., help="Files or folders (a folder is a root: files gone from it are removed)."
    ),
) -> None:
    """Add or update documents (CSV/JSON catalogs, JSONL records, Markdown, HTML, PDF, text)."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        _fail(FileNotFoundError(f"no such file or folder: {', '.join(map(str, missing))}"))
    try:
        report = _run_sync(Settings(), paths)
    except (ConfigError, Unavailable) as exc:
        _fail(exc)
    if report.failed:
        raise typer.Exit(
            code=2
        )  # the rest was ingested; the exit code tells scripts that something was skipped


@app.command("sync")
def sync() -> None:
    """Re-sync every root recorded by earlier ingests (the demo shop when nothing was ingested yet)."""
    settings = Settings()
    try:
        roots = _open(settings).roots() or [settings.demo_dir]
        console.print("syncing " + ", ".join(str(r) for r in roots))
        report = _run_sync(settings, roots)
    except (ConfigError, Unavailable) as exc:
        _fail(exc)
    if report.failed:
        raise typer.Exit(code=2)


@app.command("list")
def list_sources() -> None:
    """List the ingested sources."""
    try:
        sources = _open(Settings()).sources()
    except Unavailable as exc:
        _fail(exc)
    if not sources:
        console.print("the knowledge base is empty: run `mka kb ingest PATH`")
        return
    table = Table(title=f"{len(sources)} sources, {sum(s.chunks for s in sources)} chunks")
    for col in ("source", "type", "chunks", "hash", "ingested at", "root"):
        table.add_column(col, justify="right" if col == "chunks" else "left")
    for s in sources:
        table.add_row(s.source, s.doc_type, str(s.chunks), s.content_hash[:10], s.ingested_at, s.root)
    console.print(table)


@app.command("search")
def search(
    query: str = typer.Argument(..., help="What to look for."),
    k: int = typer.Option(5, "-k", "--k", min=1, max=50, help="Number of hits."),
    category: str | None = typer.Option(None, help="Only products of this category."),
    min_price: float | None = typer.Option(None, "--min-price", min=0),
    max_price: float | None = typer.Option(None, "--max-price", min=0),
    in_stock: bool = typer.Option(False, "--in-stock", help="Only products in stock."),
    doc_type: str | None = typer.Option(None, "--type", help="product | policy | campaign | page | other"),
) -> None:
    """Search the knowledge base and print cited hits."""
    if doc_type is not None and doc_type not in ("product", "policy", "campaign", "page", "other"):
        _fail(ValueError(f"--type must be one of product, policy, campaign, page, other (got {doc_type!r})"))
    filters = SearchFilters(
        category=category,
        min_price=min_price,
        max_price=max_price,
        in_stock=True if in_stock else None,
        doc_type=doc_type,
    )
    try:
        kb = _open(Settings())
        if kb.count() == 0:
            _fail(
                RuntimeError("the knowledge base is empty: run `mka kb ingest PATH` or `mka kb sync` first")
            )
        hits = kb.search(query, k=k, filters=filters)
    except ModelMissing as exc:
        _fail(exc)
    except (IndexUnavailable, Unavailable) as exc:
        _fail(exc)
    if not hits:
        console.print("no hits")
        return
    table = Table(title=f"{query!r}: {len(hits)} hits", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    table.add_column("title")
    table.add_column("source")
    table.add_column("snippet")
    for rank, hit in enumerate(hits, start=1):
        c = hit.citation
        snippet = " ".join(hit.text.split())
        snippet = snippet[:220] + ("..." if len(snippet) > 220 else "")
        table.add_row(
            str(rank), f"{hit.score:.3f}", c.title, c.source + (f"#{c.anchor}" if c.anchor else ""), snippet
        )
    console.print(table)
