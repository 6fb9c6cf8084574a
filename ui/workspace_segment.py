"""The workspace's "For a segment" view: pick a segment, see its top recommendations with their reasons and a plot of
what the segment buys beside the whole shop.

Everything comes from one application API method (`segment_view`, the marketer role checked there), the same one the
HTTP route `GET /v1/segments/{name}/recommendations` calls; these functions only lay its answer out.
"""

from __future__ import annotations

from typing import Any

import gradio as gr
import matplotlib

matplotlib.use("Agg")  # no display on a server; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import PercentFormatter  # noqa: E402

from assistant import AssistantAPI, AssistantError, Caller, SegmentList, SegmentRecommendations  # noqa: E402
from ui.panels import GetAPI, dataframe, empty_table, error_box, problem, workspace_caller  # noqa: E402
from ui.tables import money, percent  # noqa: E402

LABEL_CHARS = 34  # product names are cut for the plot's axis only; the table keeps them whole
SEGMENT_HEADERS = ["#", "Product", "Price", "In stock", "Customers", "Why", "SKU"]
SEGMENT_WIDTHS = ["4%", "26%", "9%", "7%", "9%", "37%", "8%"]


def segment_table(items: list[Any]) -> tuple[list[str], list[list[Any]]]:
    """The segment's products: name first, how many of its customers each is for (a durable: those who do not own
    it yet), and the reason in words; the SKU last, for whoever builds the campaign."""
    rows = [
        [
            rank,
            item.name or item.item_id,
            money(item.price, item.currency),
            "" if item.in_stock is None else "yes" if item.in_stock else "no",
            "" if item.customers is None else f"{item.customers:,}",
            item.reason,
            item.item_id,
        ]
        for rank, item in enumerate(items, start=1)
    ]
    return SEGMENT_HEADERS, rows


def segment_names(api: AssistantAPI, caller: Caller) -> list[str]:
    """The segments a marketer may pick, largest customer value first (as `list_segments` orders them)."""
    result: SegmentList = api.call_tool(caller, "list_segments", {})
    return [segment.name for segment in result.segments]


def segment_view(api: AssistantAPI, caller: Caller, segment: str | None, k: float) -> tuple[Any, Figure, str]:
    """(the recommendations table, the plot of what the segment buys, a one-line summary)."""
    if not segment:
        raise AssistantError("Pick a segment first (Load segments fills the list).")
    view: SegmentRecommendations = api.segment_view(caller, segment, int(k))
    summary = (
        f'**{view.segment}**: {view.size:,} customers ({percent(view.share)} of all). "Customers" is how many of '
        "them each product is for (a durable only for those who do not own it yet). The plot sets the segment's "
        "purchases beside the whole shop's."
    )
    return dataframe(segment_table(view.items), SEGMENT_WIDTHS), mix_figure(view), summary


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def mix_figure(view: SegmentRecommendations) -> Figure:
    """Two horizontal bar charts, categories and products: the segment's share of purchases beside the shop's."""
    figure, axes = plt.subplots(1, 2, figsize=(12, 4.2), layout="constrained")
    for ax, rows, title in ((axes[0], view.categories, "Categories"), (axes[1], view.products, "Products")):
        rows = list(reversed(rows))  # the largest on top
        positions = range(len(rows))
        ax.barh([p + 0.2 for p in positions], [r.segment_share for r in rows], height=0.4, label=view.segment)
        ax.barh([p - 0.2 for p in positions], [r.shop_share for r in rows], height=0.4, label="whole shop")
        ax.set_yticks(list(positions), [_short(r.label) for r in rows], fontsize=8)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))  # decimals as the scale needs (no "2%, 2%")
        ax.set_title(f"{title}: share of purchases")
        if not rows:
            ax.text(0.5, 0.5, "no purchases", ha="center", va="center", transform=ax.transAxes)
    axes[0].legend(loc="lower right", fontsize=8)
    figure.suptitle(f"What {view.segment} buy, beside the whole shop")
    plt.close(figure)  # gradio draws it; pyplot need not keep it
    return figure


class SegmentPanel:
    """The "For a segment" part of the Recommendations tab."""

    def __init__(self, get_api: GetAPI):
        self.get_api = get_api

    def run(self, fn: Any, request: gr.Request, *args: Any) -> Any:
        return fn(self.get_api(), workspace_caller(request), *args)

    def build(self) -> None:
        gr.Markdown("### For a segment")
        with gr.Row():
            load = gr.Button("Load segments", elem_id="segrecs-load", scale=1)
            segment = gr.Dropdown(label="Segment", choices=[], elem_id="segrecs-segment", scale=3)
            k = gr.Slider(1, 20, value=10, step=1, label="How many", scale=2)
        error = error_box("segrecs-error")
        show = gr.Button("Show segment", variant="primary", elem_id="segrecs-go")
        summary = gr.Markdown(elem_id="segrecs-summary")
        table = gr.Dataframe(
            label="Recommended to the segment",
            elem_id="segrecs-table",
            interactive=False,
            wrap=True,
            **empty_table(segment_table([])),
        )
        plot = gr.Plot(label="What the segment buys", show_label=False, elem_id="segrecs-plot")

        def on_load(request: gr.Request):
            try:
                names = self.run(segment_names, request)
                return gr.Dropdown(choices=names, value=names[0] if names else None), ""
            except AssistantError as exc:
                return gr.skip(), problem(exc.message)

        def on_show(name: str | None, k: float, request: gr.Request):
            try:
                return (*self.run(segment_view, request, name, k), "")
            except AssistantError as exc:
                return gr.skip(), gr.skip(), gr.skip(), problem(exc.message)

        load.click(on_load, None, [segment, error], api_name=False)
        show.click(on_show, [segment, k], [table, plot, summary, error], api_name=False)
