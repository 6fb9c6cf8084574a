"""Top-level `mka recommend --customer ID` and `mka segments` (table, `plot --out F.png`, `export NAME --out F.csv`)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from assistant.errors import AssistantError
from assistant.settings import Settings
from generation import csv_writer

console = Console()
segments_app = typer.Typer(help="Customer segments: profiles, plot, export.", invoke_without_command=True)


def _models():
    from assistant.commerce.models import load_models

    return load_models(Settings())


def _product_names(skus: list[str]) -> dict[str, str]:
    from sqlalchemy import bindparam, text

    from assistant.storage.db import get_engine

    if not skus:
        return {}
    query = text("SELECT sku, name FROM products WHERE sku IN :skus").bindparams(
        bindparam("skus", expanding=True)
    )
    with get_engine(Settings().db_url).connect() as conn:
        return {row.sku: row.name for row in conn.execute(query, {"skus": skus})}


def _fail(exc: AssistantError) -> None:
    console.print(f"[red]error:[/red] {exc.message}")
    raise typer.Exit(code=1)


def recommend(
    customer: str = typer.Option(None, "--customer", "-c", help="Customer id (omit for popular items)."),
    k: int = typer.Option(10, "-k", help="How many items."),
    new_only: bool = typer.Option(False, "--new-only", help="Leave out items the customer bought before."),
    similar: str = typer.Option(None, "--similar", help="Items like this SKU instead."),
) -> None:
    """Recommend products for a customer, with the reason for each."""
    try:
        recommender = _models().recommender
        if similar:
            recs = recommender.similar(similar, k)
        else:
            recs = recommender.recommend(customer or "", k, exclude_purchased=new_only)
    except AssistantError as exc:
        _fail(exc)
    title = f"items like {similar}" if similar else f"recommendations for {customer or 'anyone'}"
    if customer and not similar and not recommender.knows_customer(customer):
        title += " (no orders at training time: popular items)"
    names = _product_names([r.item_id for r in recs])
    table = Table(title=title)
    for col in ("#", "sku", "product", "score", "reason"):
        table.add_column(col)
    for rank, rec in enumerate(recs, start=1):
        table.add_row(str(rank), rec.item_id, names.get(rec.item_id, ""), f"{rec.score:.3f}", rec.reason)
    console.print(table)


@segments_app.callback()
def segments(ctx: typer.Context) -> None:
    """Show the segment profiles (or use a subcommand: plot, export)."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        profiles = _models().segmenter.profiles()
    except AssistantError as exc:
        _fail(exc)
    table = Table(title="customer segments")
    for col in (
        "segment",
        "customers",
        "share",
        "recency (d)",
        "orders",
        "spend",
        "top categories",
        "top products",
    ):
        table.add_column(col)
    for p in profiles:
        table.add_row(
            p.name,
            str(p.size),
            f"{p.share:.0%}",
            f"{p.recency_days:.0f}",
            f"{p.frequency:.1f}",
            f"{p.monetary:.0f}",
            ", ".join(c for c, _ in p.top_categories[:3]),
            ", ".join(p.top_products[:3]),
        )
    console.print(table)


@segments_app.command("plot")
def plot(out: Path = typer.Option(..., "--out", "-o", help="PNG file to write.")) -> None:
    """Write the segment plot (recency vs frequency by segment, and sizes) as PNG."""
    from assistant.commerce.imports import load_order_lines
    from assistant.commerce.models import rfm_table
    from assistant.storage.db import get_engine

    try:
        models = _models()
        lines = load_order_lines(get_engine(Settings().db_url))
    except AssistantError as exc:
        _fail(exc)
    import pandas as pd

    as_of = pd.Timestamp(models.segmenter.meta["as_of"])
    models.segmenter.plot(out, rfm_table(lines, as_of) if not lines.empty else None)
    console.print(f"wrote {out}")


@segments_app.command("export")
def export(
    name: str = typer.Argument(..., help="Segment name, e.g. Champions."),
    out: Path = typer.Option(..., "--out", "-o", help="CSV file to write."),
) -> None:
    """Export a segment's customers as CSV (customer_id, segment, email, name, country)."""
    from assistant.commerce.imports import customer_record
    from assistant.storage.db import get_engine

    try:
        segmenter = _models().segmenter
        members = segmenter.members(name)
        segment = segmenter.profile(name).name
        engine = get_engine(Settings().db_url)
    except AssistantError as exc:
        _fail(exc)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv_writer(fh)
        writer.writerow(["customer_id", "segment", "email", "name", "country", "orders", "spent"])
        for cid in members:
            try:
                rec = customer_record(engine, cid)
            except AssistantError:
                rec = {}
            writer.writerow(
                [
                    cid,
                    segment,
                    rec.get("email") or "",
                    rec.get("name") or "",
                    rec.get("country") or "",
                    rec.get("orders", ""),
                    round(rec.get("spent") or 0, 2),
                ]
            )
    tmp.replace(out)
    console.print(f"wrote {len(members)} customers of {segment} to {out}")


def register(root: typer.Typer) -> None:
    root.command("recommend")(recommend)
    root.add_typer(segments_app, name="segments")
