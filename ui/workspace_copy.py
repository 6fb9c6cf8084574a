"""The Copy tab: draft copy (with progress), the stored drafts (filter by brief, channel, status), variants side by
side with their angles, one draft opened to edit a line under the live character count and generation's rules,
approve or reject, "more like this" from one line, and the export of what is approved."""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant import AssistantError, CopyOptions, DraftRecord
from ui.copy_editor import DraftEditor
from ui.panels import (
    GetAPI,
    dataframe,
    download,
    empty_table,
    error_box,
    field_of,
    problem,
    with_progress,
    workspace_caller,
)
from ui.tables import DRAFT_WIDTHS, channel_label, draft_table, product_label

NO_BRIEF = ""
STATUSES = [("Any status", ""), ("Draft", "draft"), ("Approved", "approved"), ("Rejected", "rejected")]


def open_choices(records: list[DraftRecord]) -> list[tuple[str, str]]:
    return [
        (
            f"#{r.draft_id} · {channel_label(r.channel)} · "
            f"{', '.join(r.products.get(s, s) for s in r.skus)[:40]} · variant {r.variant} · {r.status}",
            str(r.draft_id),
        )
        for r in records
    ]


class CopyTab(DraftEditor):
    """The Copy tab's components and handlers; `opts` gives the shop's choices (products, channels, briefs, segments)."""

    def __init__(self, get_api: GetAPI):
        self.get_api = get_api
        self.brief_names: dict[
            str, str
        ] = {}  # brief id -> its name, for the drafts table (from the shop's briefs)

    def api_call(self, request: gr.Request, method: str, *args: Any) -> Any:
        return getattr(self.get_api(), method)(workspace_caller(request), *args)

    # -- layout -----------------------------------------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        c: dict[str, Any] = {}
        self.c = c
        gr.Markdown("### New draft")
        with gr.Row():
            with gr.Column(scale=3):
                c["products"] = gr.Dropdown([], multiselect=True, label="Products", elem_id="copy-products")
                c["products_error"] = error_box("copy-products-error")
            c["channel"] = gr.Dropdown([], label="Channel", elem_id="copy-channel", scale=1)
            c["variants"] = gr.Slider(
                1, 5, value=2, step=1, label="Variants", elem_id="copy-variants", scale=1
            )
        with gr.Row():
            with gr.Column():
                c["brief"] = gr.Dropdown(
                    [("No brief", NO_BRIEF)], value=NO_BRIEF, label="Campaign brief", elem_id="copy-brief"
                )
                c["brief_note"] = gr.Markdown("", elem_id="copy-brief-note")
            with gr.Column():
                c["segment"] = gr.Dropdown(
                    [("Any segment", "")], value="", label="Segment", elem_id="copy-segment"
                )
                c["segment_error"] = error_box("copy-segment-error")
        c["go"] = gr.Button("Draft copy", variant="primary", elem_id="copy-go")
        c["progress"] = gr.Markdown("", elem_id="copy-progress")
        c["form_error"] = error_box("copy-error")

        gr.Markdown("### Drafts")
        with gr.Row():
            c["f_brief"] = gr.Dropdown([("All briefs", "")], value="", label="Brief", elem_id="drafts-brief")
            c["f_channel"] = gr.Dropdown(
                [("All channels", "")], value="", label="Channel", elem_id="drafts-channel"
            )
            c["f_status"] = gr.Dropdown(STATUSES, value="", label="Status", elem_id="drafts-status")
            c["refresh"] = gr.Button("Show drafts", elem_id="drafts-load")
        c["list_error"] = error_box("drafts-error")
        c["table"] = gr.Dataframe(
            label="Stored drafts",
            elem_id="drafts-table",
            interactive=False,
            wrap=True,
            **empty_table(draft_table([], {})),
        )
        c["open"] = gr.Dropdown([], label="Open draft", elem_id="drafts-open")
        self.build_editor()

        gr.Markdown("### Export approved copy")
        with gr.Row():
            c["x_brief"] = gr.Dropdown(
                [("Without a brief", "none")], value="none", label="Brief", elem_id="export-brief"
            )
            c["x_channel"] = gr.Dropdown(
                [("All channels (ZIP)", "")], value="", label="Format", elem_id="export-channel"
            )
            c["x_go"] = gr.Button("Export", elem_id="export-go")
        c["x_error"] = error_box("export-error")
        c["x_file"] = gr.File(label="Download", elem_id="export-file")
        self.wire()
        return c

    def fill(self, opts: CopyOptions) -> list[Any]:
        """The choices this shop offers, for the page's load event (in `fill_outputs` order)."""
        products = [(product_label(s, opts.products), s) for s in opts.products]
        channels = [(channel_label(ch), ch) for ch in opts.channels]
        briefs = [(opts.brief_info[b].name + f" ({b})", b) for b in opts.briefs]
        self.brief_names.update({b: opts.brief_info[b].name for b in opts.briefs})
        segments = [("Any segment", "")] + [(s, s) for s in opts.segments or []]
        formats = [("All channels (ZIP)", "")] + [
            (lab, ch) for ch, lab in (("google-rsa", "Google Ads Editor CSV (RSA)"), ("meta", "Meta bulk-upload CSV"),
                                      ("email", "E-mail CSV"), ("sms", "SMS CSV"), ("x", "X posts CSV"))
            if ch in opts.channels
        ]  # fmt: skip
        return [
            gr.Dropdown(choices=products),
            gr.Dropdown(choices=channels, value=channels[0][1] if channels else None),
            gr.Dropdown(choices=[("No brief", NO_BRIEF), *briefs], value=NO_BRIEF),
            gr.Dropdown(choices=segments, value=""),
            gr.Dropdown(choices=[("All briefs", ""), ("Without a brief", "none"), *briefs], value=""),
            gr.Dropdown(choices=[("All channels", ""), *channels], value=""),
            gr.Dropdown(
                choices=[("Without a brief", "none"), *briefs], value=briefs[0][1] if briefs else "none"
            ),
            gr.Dropdown(choices=formats, value=""),
        ]

    @property
    def fill_outputs(self) -> list[Any]:
        c = self.c
        return [
            c["products"],
            c["channel"],
            c["brief"],
            c["segment"],
            c["f_brief"],
            c["f_channel"],
            c["x_brief"],
            c["x_channel"],
        ]

    # -- handlers ---------------------------------------------------------------------------------------------------
    def wire(self) -> None:
        c = self.c
        listing = [c["table"], c["open"], c["list_error"]]
        form_errors = [c["products_error"], c["segment_error"], c["brief_note"], c["form_error"]]
        c["brief"].change(self.on_brief, c["brief"], c["brief_note"], api_name=False)
        keep = [c["open"], c["line_text"], c["state"]]  # an unsaved edit keeps its draft open
        c["go"].click(
            self.on_draft,
            [c["products"], c["channel"], c["variants"], c["brief"], c["segment"], *keep],
            [c["progress"], *form_errors, *listing],
            api_name=False,
        )
        filters = [c["f_brief"], c["f_channel"], c["f_status"], c["open"]]
        c["refresh"].click(self.on_list, filters, listing, api_name=False)
        c["table"].select(self.on_row, None, c["open"], api_name=False)
        self.wire_editor(listing)
        c["x_go"].click(
            self.on_export, [c["x_brief"], c["x_channel"]], [c["x_file"], c["x_error"]], api_name=False
        )

    def on_brief(self, brief: str, request: gr.Request) -> str:
        if not brief:
            return ""
        try:
            info = self.api_call(request, "copy_options").brief_info.get(brief)
        except AssistantError as exc:
            return problem(exc.message)
        if info is None:
            return problem(f"unknown campaign brief {brief!r}")
        note = f"**{info.name}** · for segments: {', '.join(info.segments) or 'any'}"
        if info.missing_segments:
            note += f" · ⚠️ this shop has no {', '.join(repr(s) for s in info.missing_segments)} segment"
        return note + f" · products: {', '.join(info.products[:6])}"

    def on_draft(
        self, products, channel, variants, brief, segment, current, typed, state, request: gr.Request
    ):
        c = self.c
        blank = {c["products_error"]: "", c["segment_error"]: "", c["form_error"]: ""}
        if not products:
            yield {**blank, c["products_error"]: problem("Pick at least one product.")}
            return
        args: dict[str, Any] = {"skus": list(products), "channel": channel, "variants": int(variants)}
        if brief:
            args["brief_id"] = brief
        if segment:
            args["segment"] = segment
        step = f"Writing and checking {int(variants)} {channel_label(channel)} variant(s)"
        for progress, result, error in with_progress(
            lambda: self.api_call(request, "call_tool", "draft_copy", args), step
        ):
            if error is None and result is None:
                yield {**blank, c["progress"]: progress}
                continue
            if isinstance(error, AssistantError):
                target = {"skus": "products_error", "segment": "segment_error", "brief_id": "brief_note"}
                yield {
                    **blank,
                    c["progress"]: "",
                    c[target.get(field_of(error) or "", "form_error")]: problem(error.message),
                }
                return
            if error is not None:
                raise error
            if getattr(result, "outcome", "ok") != "ok" and result.check is not None:
                # the brief does not grant what the form asks (a channel, product, segment) or a claim is refused
                yield {**blank, c["progress"]: "", c["form_error"]: problem(result.check.question)}
                return
            done = f"✓ Drafted {len(result.drafts)} variant(s): drafts " + ", ".join(
                f"#{i}" for i in result.draft_ids
            )
            kept = self._unsaved(current, typed, state)
            if kept:
                done += f" (your unsaved edit of draft #{kept} stays open; open the new drafts from the list)"
            records = self.api_call(request, "list_drafts")
            first = str(result.draft_ids[0]) if result.draft_ids else None
            yield {**blank, c["progress"]: done, **self._listing(records, kept or first)}

    def _listing(self, records: list[DraftRecord], keep: str | None) -> dict[Any, Any]:
        c = self.c
        briefs = self.brief_names
        choices = open_choices(records)
        value = keep if keep in {v for _, v in choices} else None
        return {
            c["table"]: dataframe(draft_table(records, briefs), DRAFT_WIDTHS),
            c["open"]: gr.Dropdown(choices=choices, value=value),
            c["list_error"]: "" if records else "No drafts match these filters yet.",
        }

    def on_list(self, brief, channel, status, current, request: gr.Request):
        try:
            records = self.api_call(request, "list_drafts", brief or None, channel or None, status or None)
        except AssistantError as exc:
            return {self.c["list_error"]: problem(exc.message)}
        return self._listing(records, current)

    def on_row(self, event: gr.SelectData) -> Any:
        row = getattr(event, "row_value", None) or []
        return gr.Dropdown(value=str(row[0])) if row else gr.skip()

    def on_export(self, brief: str, channel: str, request: gr.Request):
        try:
            export = self.api_call(request, "export_drafts", brief or "none", channel or None)
        except AssistantError as exc:
            return None, problem(exc.message)
        return download(export), f"{export.drafts} approved draft(s) in {export.filename}."
