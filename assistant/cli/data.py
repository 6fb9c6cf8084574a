"""`mka data import orders|customers|products FILE [--map ours=theirs ...]`: CSV into the commerce tables."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from assistant.errors import AssistantError, BadInput
from assistant.settings import Settings

app = typer.Typer(help="Shop data: import orders, customers and products from CSV.", no_args_is_help=True)
import_app = typer.Typer(
    help="Import one CSV file (one transaction; bad rows counted by reason).", no_args_is_help=True
)
app.add_typer(import_app, name="import")
console = Console()

MapOption = typer.Option(
    None, "--map", "-m", help="Column mapping ours=theirs, e.g. --map customer_id=CustomerID (repeatable)."
)


def parse_mapping(pairs: list[str] | None) -> dict[str, str]:
    mapping = {}
    for pair in pairs or []:
        ours, sep, theirs = pair.partition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise BadInput(f"bad --map {pair!r}: write ours=theirs, e.g. customer_id=CustomerID")
        mapping[ours.strip()] = theirs.strip()
    return mapping


def _run(kind: str, path: Path, pairs: list[str] | None, **kwargs) -> None:
    from assistant.commerce import imports as commerce
    from assistant.storage.db import get_engine

    settings = Settings()
    try:
        func = getattr(commerce, f"import_{kind}")
        with console.status(f"importing {kind} from {path}"):
            report = func(get_engine(settings.db_url), path, mapping=parse_mapping(pairs), **kwargs)
    except AssistantError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(code=1) from None
    table = Table(title=f"{kind} from {path.name}")
    table.add_column("")
    table.add_column("rows", justify="right")
    table.add_row("read", str(report.rows_read))
    table.add_row("stored", str(report.imported))
    table.add_row("  of which new", str(report.new))
    for reason, count in sorted(report.skipped.items(), key=lambda kv: -kv[1]):
        table.add_row(f"skipped: {reason}", str(count))
    console.print(table)
    for example in report.examples:
        console.print(f"  [dim]{example}[/dim]")


@import_app.command("orders")
def import_orders(
    path: Path = typer.Argument(..., help="CSV (or .csv.gz) of order lines."),
    mapping: list[str] = MapOption,
    currency: str = typer.Option("GBP", help="Currency of files without a currency column."),
) -> None:
    """Import order lines (cancellations, non-product codes and lines without a customer are counted, not stored)."""
    _run("orders", path, mapping, default_currency=currency.upper())


@import_app.command("customers")
def import_customers(
    path: Path = typer.Argument(..., help="CSV of customers."), mapping: list[str] = MapOption
) -> None:
    """Import customers (upsert by customer id)."""
    _run("customers", path, mapping)


@import_app.command("products")
def import_products(
    path: Path = typer.Argument(..., help="CSV of products."), mapping: list[str] = MapOption
) -> None:
    """Import products (the shop catalog CSV, or any CSV with sku and name columns)."""
    _run("products", path, mapping)
