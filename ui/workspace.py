"""The marketer workspace at /workspace: chat with tool traces, copy drafts, segments, recommendations, handoffs and
document upload. Every action calls the application API for the caller the request names (the login's marketer);
the API's policy refuses anyone else, so these functions never decide who may do what."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import AssistantAPI, AssistantError, Caller, CopyDrafts, Recommendations, SegmentList
from ui.chat import EXAMPLES_MARKETER, chat_panel, client_of
from ui.formatting import draft_rows, rows_of, table, write_csv

NO_BRIEF = "(no brief)"
HANDOFF_COLUMNS = ["session_id", "contact", "reason", "created_at"]
SEGMENT_COLUMNS = ["name", "size", "share", "recency_days", "frequency", "monetary"]
RECOMMENDATION_COLUMNS = ["name", "item_id", "price", "currency", "reason"]
GetAPI = Callable[[], AssistantAPI]


def workspace_caller(request: gr.Request | None) -> Caller:
    """The marketer the login cookie names (Gradio's auth dependency sets `username`); anyone else is a customer."""
    username = getattr(request, "username", None) if request is not None else None
    role = "marketer" if username else "customer"
    return Caller(role=role, client=client_of(request))  # type: ignore[arg-type]


def _shown(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Errors of the assistant become a message in the page, never a traceback."""

    def run(*args: Any) -> Any:
        try:
            return fn(*args)
        except AssistantError as exc:
            raise gr.Error(exc.message) from exc

    return run


def dataframe(rows: list[dict[str, Any]], empty_columns: list[str]) -> Any:
    """A table of the rows; an empty one still shows its columns (Gradio refuses headers without cells)."""
    headers, cells = table(rows) if rows else (empty_columns, [])
    return gr.Dataframe(value=cells, headers=headers)


def draft_copy(
    api: AssistantAPI,
    caller: Caller,
    skus: str,
    channel: str,
    variants: float,
    brief: str | None,
    segment: str,
) -> tuple[Any, str, str]:
    """Drafts for the SKUs: the table, a CSV file and a one-line summary."""
    sku_list = [s.strip() for s in (skus or "").replace("\n", ",").split(",") if s.strip()]
    if not sku_list:
        raise gr.Error("Enter at least one SKU.")
    args: dict[str, Any] = {"skus": sku_list, "channel": channel, "variants": int(variants)}
    if brief and brief != NO_BRIEF:
        args["brief_id"] = brief
    if segment and segment.strip():
        args["segment"] = segment.strip()
    result: CopyDrafts = api.call_tool(caller, "draft_copy", args)
    limits = api.copy_options(caller).channels.get(channel)
    rows = draft_rows(result, limits)
    headers, cells = table(rows)
    message = f"{len(rows)} line(s) in {len(result.drafts)} variant(s)."
    return gr.Dataframe(value=cells, headers=headers), write_csv(rows, "copy-drafts-"), message


def segments(api: AssistantAPI, caller: Caller) -> tuple[Any, str | None]:
    """The segment profiles and the segment plot (None before the models are trained)."""
    result: SegmentList = api.call_tool(caller, "list_segments", {})
    try:
        plot: str | None = str(api.segment_plot(caller))
    except AssistantError:
        plot = None
    return dataframe(rows_of(result.segments), SEGMENT_COLUMNS), plot


def recommend(api: AssistantAPI, caller: Caller, customer_id: str, k: float) -> Any:
    customer_id = (customer_id or "").strip()
    if not customer_id:
        raise gr.Error("Enter a customer id.")
    result: Recommendations = api.call_tool(
        caller, "recommend_products", {"customer_id": customer_id, "k": int(k)}
    )
    return dataframe(rows_of(result.items), RECOMMENDATION_COLUMNS)


def upload(api: AssistantAPI, caller: Caller, path: str | None) -> str:
    if not path:
        raise gr.Error("Choose a file first.")
    done = api.upload_document(caller, Path(path).name, Path(path).read_bytes())
    return f"Saved and indexed [{done.saved}]({done.url}) ({done.bytes} bytes)."


def copy_options(api: AssistantAPI, caller: Caller) -> Any:
    return api.copy_options(caller)


def handoffs(api: AssistantAPI, caller: Caller) -> Any:
    return dataframe(api.open_handoffs(caller), HANDOFF_COLUMNS)


def build_workspace(get_api: GetAPI) -> gr.Blocks:
    """The marketer workspace: chat with tool traces, copy drafts, segments, recommendations, handoffs, documents."""
    return _Workspace(get_api).build()


class _Workspace:
    """The workspace's tabs. Gradio fills each handler's parameter annotated gr.Request; the handler hands the API
    and the caller that request names to the action above."""

    def __init__(self, get_api: GetAPI):
        self.get_api = get_api

    def run(self, fn: Callable[..., Any], request: gr.Request, *args: Any) -> Any:
        return _shown(fn)(self.get_api(), workspace_caller(request), *args)

    def build(self) -> gr.Blocks:
        with gr.Blocks(title="Marketer workspace", analytics_enabled=False) as page:
            with gr.Row():
                gr.Markdown("## Marketer workspace")
                gr.HTML('<div style="text-align:right"><a href="/logout">Log out</a></div>')
            with gr.Tab("Chat"):
                chat_panel(self.get_api, workspace_caller, True, EXAMPLES_MARKETER, elem_prefix="marketer")
            with gr.Tab("Copy drafts", elem_id="tab-copy"):
                channel, brief = self.copy_tab()
            with gr.Tab("Segments", elem_id="tab-segments"):
                self.segments_tab()
            with gr.Tab("Recommendations", elem_id="tab-recs"):
                self.recommendations_tab()
            with gr.Tab("Handoffs", elem_id="tab-handoffs"):
                self.handoffs_tab()
            with gr.Tab("Documents", elem_id="tab-docs"):
                self.documents_tab()

            def on_open(request: gr.Request):  # the choices this marketer may pick
                options = self.run(copy_options, request)
                channels = list(options.channels)
                return (
                    gr.Dropdown(choices=channels, value=channels[0] if channels else None),
                    gr.Dropdown(choices=[NO_BRIEF, *options.briefs], value=NO_BRIEF),
                )

            page.load(on_open, None, [channel, brief], api_name=False)
        return page

    def copy_tab(self) -> tuple[gr.Dropdown, gr.Dropdown]:
        with gr.Row():
            skus = gr.Textbox(label="SKUs (comma-separated)", elem_id="copy-skus")
            channel = gr.Dropdown([], label="Channel", elem_id="copy-channel")
            variants = gr.Slider(1, 5, value=2, step=1, label="Variants", elem_id="copy-variants")
        with gr.Row():
            brief = gr.Dropdown([NO_BRIEF], value=NO_BRIEF, label="Campaign brief", elem_id="copy-brief")
            segment = gr.Textbox(label="Segment (optional)", elem_id="copy-segment")
        go = gr.Button("Draft copy", variant="primary", elem_id="copy-go")
        summary = gr.Markdown(elem_id="copy-summary")
        drafts_table = gr.Dataframe(label="Drafts", elem_id="copy-table", interactive=False, wrap=True)
        download = gr.File(label="CSV download", elem_id="copy-csv")

        def on_draft(
            skus: str, channel: str, variants: float, brief: str | None, segment: str, request: gr.Request
        ):
            return self.run(draft_copy, request, skus, channel, variants, brief, segment)

        inputs = [skus, channel, variants, brief, segment]
        go.click(on_draft, inputs, [drafts_table, download, summary], api_name=False)
        return channel, brief

    def segments_tab(self) -> None:
        load = gr.Button("Load segments", elem_id="segments-load")
        plot = gr.Image(label="Segments", type="filepath", elem_id="segments-plot")
        profiles = gr.Dataframe(label="Profiles", elem_id="segments-table", interactive=False, wrap=True)

        def on_segments(request: gr.Request):
            return self.run(segments, request)

        load.click(on_segments, None, [profiles, plot], api_name=False)

    def recommendations_tab(self) -> None:
        with gr.Row():
            customer = gr.Textbox(label="Customer id", elem_id="recs-customer")
            k = gr.Slider(1, 20, value=5, step=1, label="How many")
        show = gr.Button("Recommend", variant="primary", elem_id="recs-go")
        recs = gr.Dataframe(label="Recommended products", elem_id="recs-table", interactive=False, wrap=True)

        def on_recommend(customer_id: str, k: float, request: gr.Request):
            return self.run(recommend, request, customer_id, k)

        show.click(on_recommend, [customer, k], recs, api_name=False)

    def handoffs_tab(self) -> None:
        refresh = gr.Button("Show open handoffs", elem_id="handoffs-load")
        open_handoffs = gr.Dataframe(label="Customers waiting for a person", interactive=False, wrap=True)

        def on_handoffs(request: gr.Request):
            return self.run(handoffs, request)

        refresh.click(on_handoffs, None, open_handoffs, api_name=False)

    def documents_tab(self) -> None:
        gr.Markdown(
            "Add a policy page, FAQ or catalog (Markdown, HTML, text, PDF, CSV, JSON); it is searchable at once."
        )
        document = gr.File(label="Document", type="filepath", elem_id="docs-file")
        add = gr.Button("Upload and index", variant="primary", elem_id="docs-go")
        added = gr.Markdown(elem_id="docs-status")

        def on_upload(path: str | None, request: gr.Request):
            return self.run(upload, request, path)

        add.click(on_upload, document, added, api_name=False)
