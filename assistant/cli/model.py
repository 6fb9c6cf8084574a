"""`mka model train` (recommender + segments from the database, with progress) and `mka model info`."""

from __future__ import annotations

import typer
from rich.console import Console

from assistant.errors import AssistantError
from assistant.settings import Settings

app = typer.Typer(help="Recommender and segmentation models.", no_args_is_help=True)
console = Console()


@app.command("train")
def train(
    content: str = typer.Option(
        "auto", help="Product text encoder for cold-start items: auto, embedder, tfidf."
    ),
) -> None:
    """Train the recommender and the customer segments from the orders in the database."""
    from assistant.commerce.models import train_all

    try:
        report = train_all(Settings(), progress=True, content=content)
    except AssistantError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(code=1) from None
    console.print(f"[green]done[/green]: {report.summary()}")
    console.print(f"artifacts in {report.artifacts_dir} (segment plot: segments.png)")


@app.command("info")
def info() -> None:
    """Show what the trained models were trained on."""
    from assistant.commerce.models import load_models

    try:
        models = load_models(Settings())
    except AssistantError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(code=1) from None
    console.print(f"recommender: {models.recommender.meta}")
    console.print(f"segments: {models.segmenter.names} {models.segmenter.meta}")
