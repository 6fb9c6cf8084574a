"""The Handoffs tab: the customers waiting for a person (contact, reason, time waiting, who has it), a page at a time
(newest or longest waiting first, "Older"/"Newer" to page on), one conversation's transcript, and the work on it:
assign, reply (the customer's widget shows the reply), close."""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant import AssistantError, InboxItem, InboxPage
from ui.panels import GetAPI, dataframe, empty_table, error_box, problem, workspace_caller
from ui.tables import INBOX_WIDTHS, STATUS_LABELS, duration, inbox_table
from ui.views import VIEW_CSS, transcript_html

FILTERS = [("Waiting (open)", "open"), ("Assigned", "assigned"), ("Closed", "closed"), ("All", "all")]
ORDERS = [("Newest first", "newest"), ("Longest waiting first", "oldest")]
PAGE_SIZE = 50
LISTING_OUTPUTS = 6  # table, request picker, message, page note, offset, total
MESSAGE = 3  # where the message lies in an action's outputs: transcript, table, picker, message, ...


def page_note(page: InboxPage) -> str:
    """Where this page lies among all requests: "Requests 51–100 of 230"."""
    if not page.items:
        return f"No requests on this page ({page.total} in all)." if page.total else ""
    first = page.offset + 1
    return f"Requests {first}–{page.offset + len(page.items)} of {page.total}"


def turn_page(offset: int, step: int, total: int) -> int:
    """The offset after paging `step` pages (negative: back), kept within the requests there are."""
    last = max(0, (max(total, 1) - 1) // PAGE_SIZE * PAGE_SIZE)
    return min(max(0, offset + step * PAGE_SIZE), last)


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
            order = gr.Dropdown(ORDERS, value="newest", label="Order", elem_id="inbox-order", scale=1)
            load = gr.Button("Show requests", elem_id="handoffs-load", scale=1)
        table = gr.Dataframe(
            label="Customers waiting for a person",
            elem_id="inbox-table",
            interactive=False,
            wrap=True,
            **empty_table(inbox_table([])),
        )
        with gr.Row():
            newer = gr.Button("◀ Previous page", elem_id="inbox-newer", scale=1)
            where = gr.Markdown("", elem_id="inbox-page")
            older = gr.Button("Next page ▶", elem_id="inbox-older", scale=1)
        offset = gr.State(0)
        total = gr.State(0)
        pick = gr.Dropdown([], label="Open request", elem_id="inbox-open")
        transcript = gr.HTML(transcript_html(None), elem_id="inbox-transcript", css_template=VIEW_CSS)
        with gr.Row():
            assignee = gr.Textbox(label="Assign to (empty: yourself)", elem_id="inbox-assignee", scale=3)
            assign = gr.Button("Assign", elem_id="inbox-assign", scale=1)
            close = gr.Button("Close request", variant="stop", elem_id="inbox-close", scale=1)
        reply = gr.Textbox(
            label="Reply to the customer (shown in their chat)", elem_id="inbox-reply", lines=3
        )
        send = gr.Button("Send reply", variant="primary", elem_id="inbox-send")
        message = error_box("inbox-message")

        listing = [table, pick, message, where, offset, total]
        view = [status, order, offset]
        load.click(self.on_list, [status, order, pick], listing, api_name=False)
        older.click(self.on_older, [*view, total, pick], listing, api_name=False)
        newer.click(self.on_newer, [*view, total, pick], listing, api_name=False)
        pick.change(self.on_open, pick, [transcript, message], api_name=False)
        assign.click(self.on_assign, [pick, assignee, *view], [transcript, *listing], api_name=False)
        send.click(self.on_reply, [pick, reply, *view], [transcript, reply, *listing], api_name=False)
        close.click(self.on_close, [pick, *view], [transcript, *listing], api_name=False)

    def _listing(
        self,
        request: gr.Request,
        view: tuple[str, str, int],
        keep: str | None,
        note: str = "",
    ) -> list[Any]:
        status, order, offset = view
        page = self.api_call(
            request, "inbox", status or "open", int(offset or 0), PAGE_SIZE, order == "oldest"
        )
        if (
            not page.items and page.offset and page.total
        ):  # the last page emptied (requests closed): step back
            offset = turn_page(page.offset, 0, page.total)
            page = self.api_call(request, "inbox", status or "open", offset, PAGE_SIZE, order == "oldest")
        choices = item_choices(page.items)
        value = keep if keep in {v for _, v in choices} else None
        empty = (
            ""
            if page.total
            else "Nobody is waiting for a person."
            if status == "open"
            else "No requests here."
        )
        return [
            dataframe(inbox_table(page.items), INBOX_WIDTHS),
            gr.Dropdown(choices=choices, value=value),
            note or empty,
            page_note(page),
            page.offset,
            page.total,
        ]

    def _listed(self, request: gr.Request, view: tuple[str, str, int], keep: str | None) -> list[Any]:
        try:
            return self._listing(request, view, keep)
        except AssistantError as exc:
            return [gr.skip(), gr.skip(), problem(exc.message), gr.skip(), gr.skip(), gr.skip()]

    def on_list(self, status: str, order: str, current: str | None, request: gr.Request) -> list[Any]:
        return self._listed(request, (status, order, 0), current)

    def on_older(
        self, status: str, order: str, offset: int, total: int, current: str | None, request: gr.Request
    ) -> list[Any]:
        return self._listed(request, (status, order, turn_page(offset or 0, 1, total or 0)), current)

    def on_newer(
        self, status: str, order: str, offset: int, total: int, current: str | None, request: gr.Request
    ) -> list[Any]:
        return self._listed(request, (status, order, turn_page(offset or 0, -1, total or 0)), current)

    def on_open(self, handoff_id: str | None, request: gr.Request) -> list[Any]:
        if not handoff_id:
            return [transcript_html(None), ""]
        try:
            return [transcript_html(self.api_call(request, "inbox_item", int(handoff_id))), ""]
        except AssistantError as exc:
            return [gr.skip(), problem(exc.message)]

    def _act(
        self, request: gr.Request, handoff_id: str | None, view: tuple[str, str, int], act: Any, done: str
    ) -> list[Any]:
        """[transcript, *listing] after `act` on the open request (the listing stays on its page)."""
        untouched = [gr.skip()] * (LISTING_OUTPUTS + 1)
        if not handoff_id:
            untouched[MESSAGE] = problem("Open a request first.")
            return untouched
        try:
            act(int(handoff_id))
            item = self.api_call(request, "inbox_item", int(handoff_id))
            return [transcript_html(item), *self._listing(request, view, handoff_id, done)]
        except AssistantError as exc:
            untouched[MESSAGE] = problem(exc.message)
            return untouched

    def on_assign(
        self, handoff_id: str | None, assignee: str, status: str, order: str, offset: int, request: gr.Request
    ) -> list[Any]:
        who = (assignee or "").strip() or None
        return self._act(
            request,
            handoff_id,
            (status, order, offset),
            lambda hid: self.api_call(request, "assign_handoff", hid, who),
            f"Assigned to {who or 'you'}.",
        )

    def on_reply(
        self, handoff_id: str | None, text: str, status: str, order: str, offset: int, request: gr.Request
    ) -> list[Any]:
        if not (text or "").strip():
            untouched = [gr.skip()] * (LISTING_OUTPUTS + 2)
            untouched[MESSAGE + 1] = problem("Write the reply first.")
            return untouched
        out = self._act(
            request,
            handoff_id,
            (status, order, offset),
            lambda hid: self.api_call(request, "reply_handoff", hid, text),
            "Reply sent: the customer sees it in their chat (the widget or the chat page).",
        )
        sent = isinstance(out[MESSAGE], str) and out[MESSAGE].startswith("Reply sent")
        return [out[0], "" if sent else gr.skip(), *out[1:]]  # the reply box empties once the reply is stored

    def on_close(
        self, handoff_id: str | None, status: str, order: str, offset: int, request: gr.Request
    ) -> list[Any]:
        return self._act(
            request,
            handoff_id,
            (status, order, offset),
            lambda hid: self.api_call(request, "close_handoff", hid),
            "Request closed.",
        )
