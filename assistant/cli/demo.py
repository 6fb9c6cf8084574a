"""`mka demo`: the demo shop's generated data (customers and order history) and the first-run bootstrap."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console

from assistant.errors import AssistantError
from assistant.settings import Settings

app = typer.Typer(
    help="The demo shop: generate its customers and orders, prepare everything `make run` needs.",
    no_args_is_help=True,
)
console = Console()


@app.command("generate")
def generate(
    out: Path | None = typer.Option(None, "--out", help="Output folder (default: <data_dir>/demo)."),
    seed: int = typer.Option(7, "--seed", help="Random seed; the same seed writes the same files."),
    customers: int = typer.Option(2500, "--customers", min=1, help="Number of customers to invent."),
    catalog: Path | None = typer.Option(
        None, "--catalog", help="Catalog CSV (default: <demo_dir>/catalog.csv)."
    ),
    start: str = typer.Option("2024-01-01", "--start", help="First day of the order history (ISO date)."),
    end: str = typer.Option("2026-11-15", "--end", help="Last day of the order history (ISO date)."),
    plot: bool = typer.Option(
        False, "--plot", help="Also draw overview.png (orders per month, seasonality)."
    ),
) -> None:
    """Write customers.csv and orders.csv (seeded, deterministic) for the demo catalog."""
    from assistant.commerce.demo import generate_demo_shop, plot_demo_overview

    settings = Settings()
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        console.print(f"[red]error:[/red] bad date: {exc}")
        raise typer.Exit(code=2) from None
    catalog = catalog or settings.demo_dir / "catalog.csv"
    try:
        files = generate_demo_shop(
            catalog,
            out or settings.data_dir / "demo",
            seed=seed,
            customers=customers,
            start=first,
            end=last,
        )
    except AssistantError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from None
    console.print(
        f"wrote {files.customers} customers to {files.customers_csv}\n"
        f"wrote {files.orders} orders ({files.lines} lines) to {files.orders_csv}"
    )
    if plot:
        png = plot_demo_overview(catalog, files.orders_csv, files.orders_csv.parent / "overview.png")
        console.print(f"wrote {png}")


@app.command("prepare")
def prepare(
    force: bool = typer.Option(False, "--force", help="Redo every step even if it is marked done."),
) -> None:
    """Run the first-run bootstrap: demo data, knowledge base, database import, model training (each once)."""
    from assistant.bootstrap import prepare_demo

    try:
        prepare_demo(Settings(), progress=True, force=force)  # prints each step and a summary table
    except AssistantError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from None
