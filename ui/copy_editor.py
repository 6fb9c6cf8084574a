"""The draft editor of the Copy tab: one draft opened beside its sibling variants, a line edited under the live
character count and generation's own rules, saved as a new version, approved or rejected, and "more like this" from
one line. Mixed into `ui.workspace_copy.CopyTab`, which provides `api_call` and `_listing`."""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant import AssistantError, DraftRecord
from ui.panels import problem, with_progress
from ui.views import VIEW_CSS, draft_html, variants_html

PINS = [("No pin", ""), ("Position 1", "1"), ("Position 2", "2"), ("Position 3", "3")]
EMPTY_STATE: dict[str, Any] = {"draft_id": None, "version": None, "loaded": ""}
RSA_ROOM = {"headlines": 15, "descriptions": 4}  # Google RSA: lines a field may hold


def parse_line(value: str | None) -> tuple[str, int] | None:
    if not value or ":" not in value:
        return None
    field, position = value.rsplit(":", 1)
    return field, int(position)


def line_choices(record: DraftRecord, limits: dict[str, Any]) -> list[tuple[str, str]]:
    """Every line as "Headline 3: Talus Mid…", and "＋ Add a headline" where the field has room."""
    out = [(f"{x.label}: {x.text[:50]}", f"{x.field}:{x.position}") for x in record.lines]
    for field, most in limits.items():
        count = sum(1 for x in record.lines if x.field == field)
        if 0 < count < most:
            label = next(x.label for x in record.lines if x.field == field).rsplit(" ", 1)[0].lower()
            out.append((f"＋ Add a {label}", f"{field}:{count + 1}"))
    return out


def check_text(check: Any) -> str:
    """ "18 / 30 characters · ✓ keeps every rule", or the problems."""
    limit = f" / {check.max_chars}" if check.max_chars else ""
    verdict = "✓ keeps every rule" if check.ok else " · ".join(f"⚠️ {p}" for p in check.problems)
    backing = f" · backed by: {'; '.join(check.backing[:3])}" if check.backing else ""
    return f"**{check.chars}{limit}** characters · {verdict}{backing}"


class DraftEditor:
    """The editor's components (in `self.c`) and handlers."""

    c: dict[str, Any]
    api_call: Any
    _listing: Any

    def build_editor(self) -> None:
        c = self.c
        c["variants_view"] = gr.HTML("", elem_id="copy-variants-view", css_template=VIEW_CSS)
        c["draft_view"] = gr.HTML("", elem_id="copy-draft-view", css_template=VIEW_CSS)
        with gr.Row():
            c["line"] = gr.Dropdown([], label="Line to edit", elem_id="copy-line", scale=3)
            c["pin"] = gr.Dropdown(PINS, value="", label="Pin (Google RSA)", elem_id="copy-pin", scale=1)
        c["line_text"] = gr.Textbox(label="Text", elem_id="copy-line-text", lines=2)
        c["line_check"] = gr.Markdown("", elem_id="copy-line-check")
        with gr.Row():
            c["save"] = gr.Button("Save line", elem_id="copy-save")
            c["more"] = gr.Button("More like this line", elem_id="copy-more")
        with gr.Row():
            c["note"] = gr.Textbox(label="Note for the decision (optional)", elem_id="copy-note", scale=3)
            c["approve"] = gr.Button("Approve", variant="primary", elem_id="copy-approve", scale=1)
            c["reject"] = gr.Button("Reject", variant="stop", elem_id="copy-reject", scale=1)
        c["decision"] = gr.Markdown("", elem_id="copy-decision")
        c["state"] = gr.State(dict(EMPTY_STATE))

    def wire_editor(self, listing: list[Any]) -> None:
        c = self.c
        opened = [c["variants_view"], c["draft_view"], c["line"], c["line_text"], c["pin"], c["line_check"]]
        opened.append(c["state"])
        keep = [c["open"], c["line_text"], c["state"]]  # an unsaved edit keeps its draft open
        c["open"].change(self.on_open, [c["open"], c["state"]], [*opened, c["decision"]], api_name=False)
        c["line"].change(
            self.on_line,
            [c["line"], c["state"]],
            [c["line_text"], c["pin"], c["line_check"], c["state"]],
            api_name=False,
        )
        c["line_text"].change(  # typing, pasting, or a line loaded into the editor
            self.on_type, [c["line"], c["line_text"], c["state"]], c["line_check"],
            api_name=False, show_progress="hidden", trigger_mode="always_last",
        )  # fmt: skip
        c["save"].click(
            self.on_save,
            [c["line"], c["line_text"], c["pin"], c["state"]],
            [*opened, c["decision"]],
            api_name=False,
        )
        decided = [c["draft_view"], c["variants_view"], c["decision"]]
        c["approve"].click(self.on_approve, [c["note"], c["state"]], decided, api_name=False)
        c["reject"].click(self.on_reject, [c["note"], c["state"]], decided, api_name=False)
        c["more"].click(self.on_more, [c["line"], *keep], [c["decision"], *listing], api_name=False)

    @staticmethod
    def _unsaved(current: str | None, typed: str, state: dict) -> str | None:
        """The open draft's id when the editor holds text that was not saved (new drafts must not replace it)."""
        if state.get("draft_id") is not None and typed and typed != state.get("loaded"):
            return current
        return None

    def _opened(self, request: gr.Request, draft_id: int, line: str | None = None) -> list[Any]:
        """The views, line picker, editor and state for one draft (`line` stays selected if it still exists)."""
        record = self.api_call(request, "get_draft", draft_id)
        siblings = self.api_call(request, "draft_variants", draft_id)
        limits = RSA_ROOM if record.channel == "google-rsa" else {}
        choices = line_choices(record, limits)
        where = parse_line(line)
        first = next((x for x in record.lines if where and (x.field, x.position) == where), None)
        first = first or (record.lines[0] if record.lines else None)
        text = first.text if first else ""
        state = {"draft_id": record.draft_id, "version": record.version, "loaded": text}
        return [
            variants_html(siblings, record.draft_id),
            draft_html(record),
            gr.Dropdown(choices=choices, value=f"{first.field}:{first.position}" if first else None),
            gr.Textbox(value=text),
            gr.Dropdown(value=str(first.pin or "") if first else ""),
            "",
            state,
        ]

    def on_open(self, draft_id: str | None, state: dict, request: gr.Request):
        if not draft_id or (state.get("draft_id") is not None and str(state["draft_id"]) == str(draft_id)):
            return [gr.skip()] * 8  # already open (a refreshed list keeps it): the editor is left as it is
        try:
            return [*self._opened(request, int(draft_id)), ""]
        except AssistantError as exc:
            return [gr.skip()] * 7 + [problem(exc.message)]

    def _record_line(self, request: gr.Request, state: dict, line: str | None):
        record = self.api_call(request, "get_draft", state["draft_id"])
        where = parse_line(line)
        found = next((x for x in record.lines if where and (x.field, x.position) == where), None)
        return record, where, found

    def on_line(self, line: str | None, state: dict, request: gr.Request):
        if not state.get("draft_id") or not parse_line(line):
            return gr.skip(), gr.skip(), "", state
        _, where, found = self._record_line(request, state, line)
        text = found.text if found else ""
        check = (
            self.api_call(request, "check_draft_line", state["draft_id"], where[0], text) if text else None
        )
        return (
            text,
            str(found.pin or "") if found else "",
            check_text(check) if check else "New line: type its text.",
            {**state, "loaded": text},
        )

    def on_type(self, line: str | None, text: str, state: dict, request: gr.Request) -> str:
        where = parse_line(line)
        if not state.get("draft_id") or where is None:
            return ""
        try:
            return check_text(
                self.api_call(request, "check_draft_line", state["draft_id"], where[0], text or "")
            )
        except AssistantError as exc:
            return problem(exc.message)

    def on_save(self, line: str | None, text: str, pin: str, state: dict, request: gr.Request):
        where = parse_line(line)
        if not state.get("draft_id") or where is None:
            return [gr.skip()] * 7 + [problem("Open a draft and pick a line first.")]
        try:
            saved = self.api_call(
                request,
                "edit_draft_line",
                state["draft_id"],
                where[0],
                where[1],
                text or "",
                pin or None,
                state["version"],
            )
        except AssistantError as exc:
            return [gr.skip()] * 7 + [problem(exc.message)]
        out = self._opened(request, saved.draft_id, line if text else None)
        verdict = "can be approved" if saved.approvable else "cannot be approved until its problems are fixed"
        return [*out, f"Saved as version {saved.version}; the draft {verdict}."]

    def on_approve(self, note: str, state: dict, request: gr.Request):
        return self.on_decide("approved", note, state, request)

    def on_reject(self, note: str, state: dict, request: gr.Request):
        return self.on_decide("rejected", note, state, request)

    def on_decide(self, status: str, note: str, state: dict, request: gr.Request):
        if not state.get("draft_id"):
            return gr.skip(), gr.skip(), problem("Open a draft first.")
        try:
            record = self.api_call(request, "decide_draft", state["draft_id"], status, note or None)
        except AssistantError as exc:
            return gr.skip(), gr.skip(), problem(exc.message)
        siblings = self.api_call(request, "draft_variants", record.draft_id)
        verb = "Approved" if status == "approved" else "Rejected"
        return (
            draft_html(record),
            variants_html(siblings, record.draft_id),
            f"{verb} draft #{record.draft_id}.",
        )

    def on_more(self, line: str | None, current, typed, state: dict, request: gr.Request):
        c = self.c
        where = parse_line(line)
        if not state.get("draft_id") or where is None:
            yield {c["decision"]: problem("Open a draft and pick the line you like first.")}
            return
        args = (state["draft_id"], where[0], where[1], 2)
        for progress, result, error in with_progress(
            lambda: self.api_call(request, "more_like_this", *args), "Drafting more like this line"
        ):
            if error is None and result is None:
                yield {c["decision"]: progress}
            elif isinstance(error, AssistantError):
                yield {c["decision"]: problem(error.message)}
            elif error is not None:
                raise error
            else:
                records = self.api_call(request, "list_drafts")
                ids = ", ".join(f"#{r.draft_id}" for r in result)
                kept = self._unsaved(current, typed, state)
                note = " (your unsaved edit stays open)" if kept else ""
                yield {
                    c["decision"]: f"✓ New drafts like this line: {ids}{note}",
                    **self._listing(records, kept or str(result[0].draft_id)),
                }
