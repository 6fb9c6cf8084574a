"""The workspace's Reviews tab: the themes of the shop's reviews with a plot (praise, neutral mentions and complaints
per aspect), what customers say about one product (aspects with counts and quoted, cited sentences), the products
with the most complaints about an aspect, and importing a file of reviews (with progress: reading takes seconds).

Everything comes from the application API's review tools (`review_themes`, `review_summary`, `review_complaints`,
`import_reviews`), the same ones the HTTP routes under /v1/reviews call; the marketer role is checked there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr
import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from assistant import AssistantAPI, AssistantError, Caller  # noqa: E402
from ui.panels import GetAPI, dataframe, error_box, problem, with_progress, workspace_caller  # noqa: E402

COLOURS = {"positive": "#3a7d44", "neutral": "#b0b0b0", "negative": "#b5402a"}
QUOTE_CHARS = 140


def themes(api: AssistantAPI, caller: Caller, category: str | None) -> tuple[Any, Figure, str]:
    """(the themes table, the plot, a one-line summary) for the shop or one category."""
    result = api.call_tool(caller, "review_themes", {"category": (category or "").strip() or None})
    rows = [
        [t.label, t.positive, t.neutral, t.negative, _share(t.negative, t), ", ".join(t.top_complained)]
        for t in result.themes
    ]
    table = (
        ["Aspect", "Praised", "Neutral", "Criticised", "Criticised share", "Most criticised products"],
        rows,
    )
    where = f"in {result.category}" if result.category else "across the shop"
    summary = f"**{result.reviews:,}** reviews {where}; aspects by how often customers mention them."
    return dataframe(table), themes_figure(result), summary


def _share(negative: int, theme: Any) -> str:
    total = theme.positive + theme.neutral + theme.negative
    return f"{negative / total:.0%}" if total else "–"


def themes_figure(result: Any) -> Figure:
    """Horizontal stacked bars: per aspect, its praise, neutral mentions and complaints (most mentioned on top)."""
    rows = list(reversed(result.themes))
    figure, ax = plt.subplots(figsize=(9, 0.45 * max(3, len(rows)) + 1.2), layout="constrained")
    left = [0] * len(rows)
    for polarity, label in (("positive", "praised"), ("neutral", "neutral"), ("negative", "criticised")):
        values = [getattr(r, polarity) for r in rows]
        ax.barh([r.label for r in rows], values, left=left, color=COLOURS[polarity], label=label)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_xlabel("mentions in reviews")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"What reviews talk about{' in ' + result.category if result.category else ''}")
    if not rows:
        ax.text(0.5, 0.5, "no reviews yet", ha="center", va="center", transform=ax.transAxes)
    plt.close(figure)  # gradio draws it; pyplot need not keep it
    return figure


def product(api: AssistantAPI, caller: Caller, name: str, aspect: str | None) -> tuple[Any, str]:
    """(aspects with counts and quotes, a summary line) for the product(s) `name` names."""
    if not (name or "").strip():
        raise AssistantError("Enter a product name or SKU (e.g. Talus boot, FTW-001).")
    args = {"product": name.strip(), "aspect": (aspect or "").strip() or None}
    result = api.call_tool(caller, "review_summary", args)
    rows = [
        [
            a.label,
            a.positive,
            a.neutral,
            a.negative,
            _quotes(a.quotes, "positive"),
            _quotes(a.quotes, "negative"),
        ]
        for a in result.aspects
    ]
    stars = (
        f"average {result.average_rating:.1f} stars" if result.average_rating is not None else "no ratings"
    )
    summary = f"**{result.name}** ({', '.join(result.skus)}): {result.reviews} review(s), {stars}."
    return dataframe((["Aspect", "Praised", "Neutral", "Criticised", "Praise", "Complaints"], rows)), summary


def _quotes(quotes: list, polarity: str) -> str:
    picked = [q for q in quotes if q.polarity == polarity]
    return " · ".join(f"“{_cut(q.text)}” [review {q.review_id}, {q.rating}★]" for q in picked)


def _cut(text: str) -> str:
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1].rstrip() + "…"


def complaints(api: AssistantAPI, caller: Caller, aspect: str) -> Any:
    """Products ranked by complaints about `aspect`."""
    if not (aspect or "").strip():
        raise AssistantError("Enter an aspect (e.g. sizing, waterproofing, durability).")
    result = api.call_tool(caller, "review_complaints", {"aspect": aspect.strip(), "limit": 15})
    rows = [
        [p.name, p.sku, p.complaints, p.mentions, p.reviews, f"{p.share:.0%}", _quotes(p.quotes, "negative")]
        for p in result.products
    ]
    headers = ["Product", "SKU", "Complaints", "Mentions", "Reviews", "Complaints per review", "Examples"]
    return dataframe((headers, rows))


def import_file(api: AssistantAPI, caller: Caller, path: str | None) -> str:
    if not path:
        raise AssistantError("Choose a CSV or JSON file of reviews first.")
    try:
        content = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AssistantError(f"{Path(path).name} is not UTF-8 text") from exc
    done = api.call_tool(caller, "import_reviews", {"filename": Path(path).name, "content": content})
    return (
        f"Imported **{done.rows}** review(s) of {done.skus} product(s) ({done.new} new, {done.replaced} replaced), "
        f"{done.aspects} aspect mention(s)."
    )


class ReviewsTab:
    """The Reviews tab of the workspace."""

    def __init__(self, get_api: GetAPI):
        self.get_api = get_api

    def run(self, fn: Any, request: gr.Request, *args: Any) -> Any:
        return fn(self.get_api(), workspace_caller(request), *args)

    def build(self) -> None:
        with gr.Row():
            category = gr.Textbox(
                label="Category (empty: the whole shop)", elem_id="reviews-category", scale=3
            )
            show = gr.Button("Show themes", variant="primary", elem_id="reviews-themes-go", scale=1)
        themes_error = error_box("reviews-themes-error")
        themes_summary = gr.Markdown(elem_id="reviews-themes-summary")
        plot = gr.Plot(label="Themes", show_label=False, elem_id="reviews-themes-plot")
        themes_table = gr.Dataframe(
            label="Themes", elem_id="reviews-themes-table", interactive=False, wrap=True
        )
        gr.Markdown("### What customers say about a product")
        with gr.Row():
            name = gr.Textbox(label="Product (name or SKU)", elem_id="reviews-product", scale=3)
            aspect = gr.Textbox(label="Aspect (optional)", elem_id="reviews-aspect", scale=2)
            ask = gr.Button("Show", elem_id="reviews-product-go", scale=1)
        product_error = error_box("reviews-product-error")
        product_summary = gr.Markdown(elem_id="reviews-product-summary")
        product_table = gr.Dataframe(elem_id="reviews-product-table", interactive=False, wrap=True)
        gr.Markdown("### Most complaints about an aspect")
        with gr.Row():
            wanted = gr.Textbox(label="Aspect", value="sizing", elem_id="reviews-complaints-aspect", scale=3)
            rank = gr.Button("Rank products", elem_id="reviews-complaints-go", scale=1)
        rank_error = error_box("reviews-complaints-error")
        rank_table = gr.Dataframe(elem_id="reviews-complaints-table", interactive=False, wrap=True)
        gr.Markdown("### Import reviews (CSV or JSON: sku, rating, text, date, language)")
        upload = gr.File(label="Reviews file", type="filepath", elem_id="reviews-file")
        load = gr.Button("Import", elem_id="reviews-import-go")
        imported = gr.Markdown(elem_id="reviews-import-status")

        def on_themes(cat: str, request: gr.Request):
            try:
                return (*self.run(themes, request, cat), "")
            except AssistantError as exc:
                return gr.skip(), gr.skip(), gr.skip(), problem(exc.message)

        def on_product(text: str, asp: str, request: gr.Request):
            try:
                return (*self.run(product, request, text, asp), "")
            except AssistantError as exc:
                return gr.skip(), gr.skip(), problem(exc.message)

        def on_rank(asp: str, request: gr.Request):
            try:
                return self.run(complaints, request, asp), ""
            except AssistantError as exc:
                return gr.skip(), problem(exc.message)

        def on_import(path: str | None, request: gr.Request):
            api, caller = self.get_api(), workspace_caller(request)
            for progress, result, exc in with_progress(
                lambda: import_file(api, caller, path), "Reading the reviews"
            ):
                if exc is None and result is None:
                    yield progress
                elif isinstance(exc, AssistantError):
                    yield problem(exc.message)
                elif exc is not None:
                    raise exc
                else:
                    yield result

        show.click(on_themes, category, [themes_table, plot, themes_summary, themes_error], api_name=False)
        ask.click(on_product, [name, aspect], [product_table, product_summary, product_error], api_name=False)
        rank.click(on_rank, wanted, [rank_table, rank_error], api_name=False)
        load.click(on_import, upload, imported, api_name=False)
