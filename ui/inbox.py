"""The Handoffs tab: the customers waiting for a person (contact, reason, time waiting, who has it), one conversation's
transcript, and the work on it: assign, reply (the customer's widget shows the reply), close."""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant import AssistantError, InboxItem
from ui.panels import GetAPI, dataframe, error_box, problem, workspace_caller
from ui.tables import INBOX_WIDTHS, STATUS_LABELS, duration, inbox_table
from ui.views import VIEW_CSS, transcript_html

FILTERS = [("Waiting (open)", "open"), ("Assigned", "assigned"), ("Closed", "closed"), ("All", "all")]


def item_choices(items: list[InboxItem]) -> list[tuple[str, str]]:
    return [
        (
            f"#{i.handoff_id} · {i.contact or 'no contact'} · "
            + (f"waiting {duration(i.waiting_s)}" if i.status == "open" else STATUS_LABELS[i.status].lower())
            + (f" to {i.assignee}" if i.status == "assigned" else ""),
            str(i.handoff_id),
        )
        for i in items
    ]


class InboxTab:
    def __init__(self, get_api: GetAPI):
        self.get_api = get_api

    def api_call(self, request: gr.Request, method: str, *args: Any) -> Any:
        return getattr(self.get_api(), method)(workspace_caller(request), *args)

    def build(self) -> None:
        with gr.Row():
            status = gr.Dropdown(FILTERS, value="open", label="Show", elem_id="inbox-status", scale=1)
            load = gr.Button("Show requests", elem_id="handoffs-load", scale=1)
        table = gr.Dataframe(
            label="Customers waiting for a person", elem_id="inbox-table", interactive=False, wrap=True
        )
        pick = gr.Dropdown([], label="Open request", elem_id="inbox-open")
        transcript = gr.HTML(transcript_html(None), elem_id="inbox-transcript", css_template=VIEW_CSS)
        with gr.Row():
            assignee = gr.Textbox(label="Assign to (empty: yourself)", elem_id="inbox-assignee", scale=3)
            assign = gr.Button("Assign", elem_id="inbox-assign", scale=1)
            close = gr.Button("Close request", variant="stop", elem_id="inbox-close", scale=1)
        reply = gr.Textbox(
            label="Reply to the customer (shown in their chat widget)", elem_id="inbox-reply", lines=3
        )
        send = gr.Button("Send reply", variant="primary", elem_id="inbox-send")
        message = error_box("inbox-message")

        listing = [table, pick, message]
        load.click(self.on_list, [status, pick], listing, api_name=False)
        pick.change(self.on_open, pick, [transcript, message], api_name=False)
        assign.click(self.on_assign, [pick, assignee, status], [transcript, *listing], api_name=False)
        send.click(self.on_reply, [pick, reply, status], [transcript, reply, *listing], api_name=False)
        close.click(self.on_close, [pick, status], [transcript, *listing], api_name=False)

    def _listing(self, request: gr.Request, status: str, keep: str | None, note: str = "") -> list[Any]:
        items = self.api_call(request, "inbox", status or "open")
        choices = item_choices(items)
        value = keep if keep in {v for _, v in choices} else None
        empty = (
            "" if items else "Nobody is waiting for a person." if status == "open" else "No requests here."
        )
        return [
            dataframe(inbox_table(items), INBOX_WIDTHS),
            gr.Dropdown(choices=choices, value=value),
            note or empty,
        ]

    def on_list(self, status: str, current: str | None, request: gr.Request) -> list[Any]:
        try:
            return self._listing(request, status, current)
        except AssistantError as exc:
            return [gr.skip(), gr.skip(), problem(exc.message)]

    def on_open(self, handoff_id: str | None, request: gr.Request) -> list[Any]:
        if not handoff_id:
            return [transcript_html(None), ""]
        try:
            return [transcript_html(self.api_call(request, "inbox_item", int(handoff_id))), ""]
        except AssistantError as exc:
            return [gr.skip(), problem(exc.message)]

    def _act(
        self, request: gr.Request, handoff_id: str | None, status: str, act: Any, done: str
    ) -> list[Any]:
        if not handoff_id:
            return [gr.skip(), gr.skip(), gr.skip(), problem("Open a request first.")]
        try:
            act(int(handoff_id))
            item = self.api_call(request, "inbox_item", int(handoff_id))
            return [transcript_html(item), *self._listing(request, status, handoff_id, done)]
        except AssistantError as exc:
            return [gr.skip(), gr.skip(), gr.skip(), problem(exc.message)]

    def on_assign(self, handoff_id: str | None, assignee: str, status: str, request: gr.Request) -> list[Any]:
        who = (assignee or "").strip() or None
        return self._act(
            request,
            handoff_id,
            status,
            lambda hid: self.api_call(request, "assign_handoff", hid, who),
            f"Assigned to {who or 'you'}.",
        )

    def on_reply(self, handoff_id: str | None, text: str, status: str, request: gr.Request) -> list[Any]:
        if not (text or "").strip():
            return [gr.skip(), gr.skip(), gr.skip(), gr.skip(), problem("Write the reply first.")]
        out = self._act(
            request,
            handoff_id,
            status,
            lambda hid: self.api_call(request, "reply_handoff", hid, text),
            "Reply sent: the customer sees it in their chat widget.",
        )
        sent = out[-1].startswith("Reply sent")
        return [
            out[0],
            "" if sent else gr.skip(),
            *out[1:],
        ]  # the reply box empties only once the reply is stored

    def on_close(self, handoff_id: str | None, status: str, request: gr.Request) -> list[Any]:
        return self._act(
            request,
            handoff_id,
            status,
            lambda hid: self.api_call(request, "close_handoff", hid),
            "Request closed.",
        )
