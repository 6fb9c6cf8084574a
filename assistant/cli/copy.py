"""`mka copy`: draft ad copy for catalog products (`draft`) and show the channel specs (`channels`)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from assistant.commerce.catalog import Catalog
from assistant.commerce.urls import absolute_url
from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.tools.copy import build_request, generation_error, run_draft, shop_points
from assistant.workspace.landing import ad_group_name
from generation import GenerationError, channel_specs, get_channel, load_brief, to_csv, to_json

app = typer.Typer(
    help="Ad copy: draft validated copy for products, list channel specs.", no_args_is_help=True
)
console = Console()


@app.command("channels")
def channels() -> None:
    """List every channel with its fields and limits."""
    table = Table(title="channel specs")
    for column in ("channel", "field", "count", "max chars", "notes"):
        table.add_column(column)
    for name, spec in channel_specs().items():
        for i, f in enumerate(spec.fields):
            count = f"{f.min}-{f.max} (draft {f.target})" if f.kind == "lines" else "1"
            notes = f"must end with {f.required_suffix!r}" if f.required_suffix else f.label
            table.add_row(name if i == 0 else "", f.name, count, str(f.max_chars), notes)
    console.print(table)


def _print_drafts(result, channel: str) -> None:
    """Each variant as a table: field, text, characters against the channel's limit, where the line came from."""
    spec = get_channel(channel)
    limits = {f.name: f.max_chars for f in spec.fields}
    for d in result.drafts:
        table = Table(title=f"{spec.label} - variant {d.variant}", show_lines=False)
        for column in ("field", "text", "chars", "source"):
            table.add_column(column, justify="right" if column == "chars" else "left")
        for name, value in d.fields.items():
            for i, text in enumerate(value if isinstance(value, list) else [value], start=1):
                label = f"{name} {i}" if isinstance(value, list) else name
                table.add_row(label, text, f"{len(text)}/{limits[name]}", d.sources.get(name, ""))
        console.print(table)
        if d.ad_strength:
            a = d.ad_strength
            missing = f" (missing: {', '.join(a.missing)})" if a.missing else ""
            console.print(f"ad strength: {a.grade}{missing}")
        for problem in d.quality:
            console.print(f"[yellow]quality:[/yellow] {problem}")
    console.print(
        f"distinct-2 {result.distinct_2:.2f}; model lines kept {result.llm_lines_kept}, "
        f"rejected {result.llm_lines_rejected}"
    )


@app.command("draft")
def draft(
    sku: list[str] = typer.Option(..., "--sku", help="Product SKU (repeat for several)."),
    channel: str = typer.Option(..., "--channel", help="google-rsa | meta | email | sms | x"),
    brief: Path | None = typer.Option(
        None, "--brief", help="Campaign brief YAML (data/demo/campaigns/*.yaml)."
    ),
    variants: int = typer.Option(3, "--variants", min=1, max=10),
    segment: str | None = typer.Option(None, "--segment", help="Target segment name (steers wording)."),
    tone: list[str] = typer.Option([], "--tone", help="Tone words (repeatable); default: the brief's tone."),
    csv_out: Path | None = typer.Option(
        None, "--csv", help="Write CSV (Google Ads Editor layout for google-rsa)."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Write JSON."),
    final_url: str | None = typer.Option(None, "--final-url", help="Landing page URL for the ads."),
    use_llm: bool | None = typer.Option(
        None,
        "--llm/--no-llm",
        help="Let the model add candidate lines (slow on CPU); default: MKA_LLM__COPY_WITH_MODEL (off).",
    ),
    catalog_path: Path | None = typer.Option(
        None, "--catalog", help="Catalog CSV (default: the demo catalog)."
    ),
) -> None:
    """Draft validated ad copy for one or more products and print it with per-field character counts."""
    settings = Settings()
    try:
        get_channel(channel)
        catalog = Catalog.from_csv(catalog_path or settings.demo_dir / "catalog.csv")
        campaign = load_brief(brief) if brief else None
        request = build_request(
            catalog,
            sku,
            channel,
            variants=variants,
            brief=campaign,
            segment=segment,
            tone=tone,
            final_url=final_url,
            shop=shop_points(settings),
        )
        llm = None
        if use_llm if use_llm is not None else settings.llm.copy_with_model:
            from generation import get_llm

            with console.status("loading the language model..."):
                llm = get_llm(settings.llm, settings.model_cache_dir)
        with console.status(f"drafting {variants} {channel} variant(s)..."):
            result = run_draft(request, llm)
        # Google Ads Editor needs the absolute landing page: the catalog's path under MKA_SHOP_URL (or --final-url).
        landing = (
            absolute_url(request.final_url, settings.shop_url) if csv_out and channel == "google-rsa" else ""
        )
    except GenerationError as exc:
        console.print(f"[red]error:[/red] {generation_error(exc).message}")
        raise typer.Exit(code=1) from None
    except AssistantError as exc:
        console.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(code=1) from None

    _print_drafts(result, channel)
    name = campaign.name if campaign else "Campaign"
    if csv_out:
        group = ad_group_name(campaign.name if campaign else None, sku, {}, catalog)
        csv_out.write_text(to_csv(result, campaign=name, ad_group=group, final_url=landing), encoding="utf-8")
        console.print(f"CSV written to {csv_out}")
    if json_out:
        json_out.write_text(to_json(result), encoding="utf-8")
        console.print(f"JSON written to {json_out}")
