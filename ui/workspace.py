"""The marketer workspace at /workspace: chat with tool traces, copy drafts kept as records (edit, approve, export),
segments, recommendations, the handoff inbox, insights into unanswered questions, and document upload.

Every action calls the application API for the caller the request names (the login's marketer); the API's policy
refuses anyone else, so these functions never decide who may do what. Errors stay on the page beside the field they
concern until the next action."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from assistant import AssistantAPI, AssistantError, Caller, CopyOptions, Recommendations, SegmentList
from ui.chat import EXAMPLES_MARKETER, chat_panel
from ui.inbox import InboxTab
from ui.insights import InsightsTab
from ui.panels import ERROR_CSS, GetAPI, dataframe, empty_table, error_box, problem, workspace_caller
from ui.tables import RECOMMENDATION_WIDTHS, SEGMENT_WIDTHS, recommendation_table, segment_table
from ui.workspace_copy import CopyTab
from ui.workspace_forecast import ForecastTab
from ui.workspace_results import ResultsTab
from ui.workspace_reviews import ReviewsTab
from ui.workspace_segment import SegmentPanel

__all__ = ["build_workspace", "copy_options", "recommend", "segments", "upload", "workspace_caller"]


def copy_options(api: AssistantAPI, caller: Caller) -> CopyOptions:
    return api.copy_options(caller)


def segments(api: AssistantAPI, caller: Caller) -> tuple[Any, str | None]:
    """The segment profiles in words and figures, and the segment plot (None before the models are trained)."""
    result: SegmentList = api.call_tool(caller, "list_segments", {})
    options = api.copy_options(caller)
    try:
        plot: str | None = str(api.segment_plot(caller))
    except AssistantError:
        plot = None
    return dataframe(segment_table(result.segments, options.currency, options.products), SEGMENT_WIDTHS), plot


def recommend(api: AssistantAPI, caller: Caller, customer_id: str, k: float) -> Any:
    customer_id = (customer_id or "").strip()
    if not customer_id:
        raise AssistantError("Enter a customer id (e.g. C00002).")
    result: Recommendations = api.call_tool(
        caller, "recommend_products", {"customer_id": customer_id, "k": int(k)}
    )
    names = api.copy_options(caller).products  # SKUs in the reasons read as product names
    return dataframe(recommendation_table(result.items, names), RECOMMENDATION_WIDTHS)


def upload(api: AssistantAPI, caller: Caller, path: str | None) -> str:
    if not path:
        raise AssistantError("Choose a file first.")
    done = api.upload_document(caller, Path(path).name, Path(path).read_bytes())
    note = (
        f" {done.withheld_sentences} sentence(s) that speak to the assistant or ask for card numbers, PINs or "
        "passwords are never quoted to customers."
        if done.withheld_sentences
        else ""
    )
    return f"Saved and indexed [{done.saved}]({done.url}) ({done.bytes} bytes).{note}"


def build_workspace(get_api: GetAPI) -> gr.Blocks:
    """The marketer workspace: chat, copy drafts, segments, recommendations, handoffs, insights, documents."""
    return _Workspace(get_api).build()


class _Workspace:
    """The workspace's tabs. Gradio fills each handler's parameter annotated gr.Request; the handler hands the API
    and the caller that request names to the action above."""

    def __init__(self, get_api: GetAPI):
        self.get_api = get_api

    def run(self, fn: Any, request: gr.Request, *args: Any) -> Any:
        return fn(self.get_api(), workspace_caller(request), *args)

    def build(self) -> gr.Blocks:
        with gr.Blocks(title="Marketer workspace", analytics_enabled=False) as page:
            gr.HTML(f"<style>{ERROR_CSS}</style>", padding=False)
            with gr.Row():
                gr.Markdown("## Marketer workspace")
                gr.HTML(
                    '<form method="post" action="/logout" style="text-align:right">'
                    '<button type="submit">Log out</button></form>'
                )
            with gr.Tab("Chat"):
                chat_panel(self.get_api, workspace_caller, True, EXAMPLES_MARKETER, elem_prefix="marketer")
            with gr.Tab("Copy drafts", elem_id="tab-copy"):
                copy_tab = CopyTab(self.get_api)
                copy_tab.build()
            with gr.Tab("Segments", elem_id="tab-segments"):
                self.segments_tab()
            with gr.Tab("Recommendations", elem_id="tab-recs"):
                self.recommendations_tab()
            with gr.Tab("Demand", elem_id="tab-demand"):
                ForecastTab(self.get_api).build()
            with gr.Tab("Handoffs", elem_id="tab-handoffs"):
                InboxTab(self.get_api).build()
            with gr.Tab("Results", elem_id="tab-results"):
                ResultsTab(self.get_api).build()
            with gr.Tab("Insights", elem_id="tab-insights"):
                InsightsTab(self.get_api).build()
            with gr.Tab("Reviews", elem_id="tab-reviews"):
                ReviewsTab(self.get_api).build()
            with gr.Tab("Documents", elem_id="tab-docs"):
                self.documents_tab()

            def on_open(request: gr.Request):  # the choices this marketer may pick
                try:
                    return copy_tab.fill(self.run(copy_options, request))
                except AssistantError:
                    return [gr.skip()] * len(copy_tab.fill_outputs)

            page.load(on_open, None, copy_tab.fill_outputs, api_name=False)
        return page

    def segments_tab(self) -> None:
        load = gr.Button("Load segments", elem_id="segments-load")
        error = error_box("segments-error")
        plot = gr.Image(label="Segments", type="filepath", elem_id="segments-plot")
        profiles = gr.Dataframe(
            label="Profiles",
            elem_id="segments-table",
            interactive=False,
            wrap=True,
            **empty_table(segment_table([], "", {})),
        )

        def on_segments(request: gr.Request):
            try:
                return (*self.run(segments, request), "")
            except AssistantError as exc:
                return gr.skip(), gr.skip(), problem(exc.message)

        load.click(on_segments, None, [profiles, plot, error], api_name=False)

    def recommendations_tab(self) -> None:
        with gr.Row():
            with gr.Column(scale=3):
                customer = gr.Textbox(label="Customer id", elem_id="recs-customer")
                error = error_box("recs-error")
            k = gr.Slider(1, 20, value=5, step=1, label="How many", scale=1)
        show = gr.Button("Recommend", variant="primary", elem_id="recs-go")
        recs = gr.Dataframe(
            label="Recommended products",
            elem_id="recs-table",
            interactive=False,
            wrap=True,
            **empty_table(recommendation_table([], {})),
        )

        def on_recommend(customer_id: str, k: float, request: gr.Request):
            try:
                return self.run(recommend, request, customer_id, k), ""
            except AssistantError as exc:
                return gr.skip(), problem(exc.message)

        show.click(on_recommend, [customer, k], [recs, error], api_name=False)
        SegmentPanel(self.get_api).build()

    def documents_tab(self) -> None:
        gr.Markdown(
            "Add a policy page, FAQ or catalog (Markdown, HTML, text, PDF, CSV, JSON); it is searchable at once."
        )
        document = gr.File(label="Document", type="filepath", elem_id="docs-file")
        add = gr.Button("Upload and index", variant="primary", elem_id="docs-go")
        added = gr.Markdown(elem_id="docs-status")

        def on_upload(path: str | None, request: gr.Request):
            try:
                return self.run(upload, request, path)
            except AssistantError as exc:
                return problem(exc.message)

        add.click(on_upload, document, added, api_name=False)
