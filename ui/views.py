"""HTML views of the workspace (every value escaped): variants side by side with their angles, one draft's lines with
character counts, sources, backing facts, pins and problems, its versions, and a handed-off conversation."""

from __future__ import annotations

from html import escape

from assistant import DraftRecord, InboxItem, render_markdown
from ui.tables import STATUS_LABELS, channel_label, duration, product_label, when

VIEW_CSS = """
.mka-variants { display: grid; gap: 12px; grid-template-columns: repeat(var(--n, 2), minmax(0, 1fr)); }
.mka-card { border: 1px solid #d5dcd8; border-radius: 8px; padding: 10px 12px; background: #fff; }
.mka-card.open { border: 2px solid #0b6e4f; }
.mka-card h4 { margin: 0 0 4px; font-size: 15px; }
.mka-angle { color: #0b6e4f; font-weight: 600; }
.mka-meta { color: #55615b; font-size: 13px; margin-bottom: 6px; }
.mka-field { margin-top: 8px; font-size: 12px; text-transform: uppercase; color: #55615b; letter-spacing: .03em; }
.mka-line { display: flex; gap: 8px; justify-content: space-between; padding: 2px 0; border-bottom: 1px dotted #e3e8e5; }
.mka-line.shared .mka-text { color: #7b8580; }
.mka-line.bad { background: #fdecec; }
.mka-count { color: #55615b; white-space: nowrap; font-variant-numeric: tabular-nums; }
.mka-count.over { color: #a61b1b; font-weight: 600; }
.mka-problem { color: #a61b1b; font-size: 13px; }
.mka-status { display: inline-block; padding: 0 8px; border-radius: 10px; background: #eef2f0; font-size: 12px; }
.mka-status.approved { background: #d9f2e4; color: #0b5e3f; }
.mka-status.rejected { background: #f8dede; color: #8a1c1c; }
table.mka-lines { width: 100%; border-collapse: collapse; font-size: 14px; }
table.mka-lines th, table.mka-lines td { text-align: left; vertical-align: top; padding: 4px 6px; border-bottom: 1px solid #e3e8e5; }
.mka-backing { color: #55615b; font-size: 12px; }
.mka-transcript { display: flex; flex-direction: column; gap: 6px; max-height: 420px; overflow-y: auto; }
.mka-msg { max-width: 80%; padding: 6px 10px; border-radius: 10px; overflow-wrap: anywhere; }
.mka-plain { white-space: pre-wrap; }
.mka-md p { margin: 0 0 6px; } .mka-md p:last-child { margin-bottom: 0; } .mka-md ul, .mka-md ol { margin: 4px 0; padding-left: 20px; }
.mka-md table { border-collapse: collapse; font-size: 13px; display: block; overflow-x: auto; }
.mka-md th, .mka-md td { border: 1px solid #d5dcd8; padding: 2px 6px; text-align: left; }
.mka-msg.customer { align-self: flex-end; background: #0b6e4f; color: #fff; }
.mka-msg.assistant { align-self: flex-start; background: #f1f4f2; }
.mka-msg.staff { align-self: flex-start; background: #fff5d6; border: 1px solid #e8d48a; }
.mka-who { font-size: 11px; opacity: .75; }
"""


def _status(status: str) -> str:
    return f'<span class="mka-status {escape(status)}">{escape(STATUS_LABELS.get(status, status))}</span>'


def _count(line) -> str:
    limit = f" / {line.max_chars}" if line.max_chars else ""
    over = " over" if line.max_chars and line.chars > line.max_chars else ""
    return f'<span class="mka-count{over}">{line.chars}{limit}</span>'


def variants_html(records: list[DraftRecord], open_id: int | None = None) -> str:
    """The variants of one request side by side: angle, status, and every line (lines another variant also has are
    dimmed, so what makes each variant different stands out)."""
    if not records:
        return "<p>No draft open. Draft copy above, or open one from the list.</p>"
    texts = [{x.text.lower() for x in r.lines} for r in records]
    cards = []
    for i, r in enumerate(records):
        others = set().union(*(t for j, t in enumerate(texts) if j != i)) if len(records) > 1 else set()
        body, field = [], None
        for line in r.lines:
            if line.field != field:
                field = line.field
                body.append(
                    f'<div class="mka-field">{escape(line.label.rsplit(" ", 1)[0] if line.label[-1:].isdigit() else line.label)}</div>'
                )
            classes = (
                "mka-line"
                + (" shared" if line.text.lower() in others else "")
                + (" bad" if line.problems else "")
            )
            pin = f" · pinned {line.pin}" if line.pin else ""
            body.append(
                f'<div class="{classes}" title="{escape(line.label)}{pin}"><span class="mka-text">{escape(line.text)}</span>'
                f"{_count(line)}</div>"
            )
        cls = "mka-card open" if r.draft_id == open_id else "mka-card"
        angle = escape(r.angle) if r.angle else "not named"
        cards.append(
            f'<section class="{cls}" data-draft-id="{r.draft_id}"><h4>Variant {r.variant} · draft #{r.draft_id}</h4>'
            f'<div class="mka-meta">Angle: <span class="mka-angle">{angle}</span> · {_status(r.status)}</div>'
            + "".join(body)
            + "</section>"
        )
    return f'<div class="mka-variants" style="--n:{min(len(records), 3)}">{"".join(cards)}</div>'


def draft_html(record: DraftRecord | None, brief_name: str = "") -> str:
    """One draft: who asked for what, its status and decision, every line with its checks, and its versions."""
    if record is None:
        return ""
    products = ", ".join(escape(product_label(s, record.products)) for s in record.skus)
    decided = ""
    if record.decided_by:
        verb = {"approved": "Approved", "rejected": "Rejected"}.get(record.status, "Decided")
        decided = f" · {verb} by {escape(record.decided_by)} on {escape(when(record.decided_at))}"
        if record.decision_note:
            decided += f" (“{escape(record.decision_note)}”)"
    head = (
        f"<h4>Draft #{record.draft_id} · {escape(channel_label(record.channel))} · variant {record.variant} "
        f"{_status(record.status)}</h4>"
        f'<div class="mka-meta">Asked by {escape(record.asked_by)} on {escape(when(record.created_at))} · '
        f"Products: {products} · Brief: {escape(brief_name or record.brief_id or 'none')} · "
        f"Segment: {escape(record.segment or 'any')} · Version {record.version}{decided}"
        + (f" · From {escape(record.parent)}" if record.parent else "")
        + "</div>"
    )
    problems = "".join(f'<div class="mka-problem">⚠ {escape(p)}</div>' for p in record.problems)
    rows = "".join(
        "<tr>"
        f"<td>{escape(x.label or x.key)}</td><td>{escape(x.text)}"
        + "".join(f'<div class="mka-problem">⚠ {escape(p)}</div>' for p in x.problems)
        + f"</td><td>{_count(x)}</td><td>{escape(x.source or '—')}</td>"
        f'<td class="mka-backing">{"<br>".join(escape(b) for b in x.backing) or "—"}</td>'
        f"<td>{x.pin or ''}</td></tr>"
        for x in record.lines
    )
    table = (
        '<table class="mka-lines"><thead><tr><th>Line</th><th>Text</th><th>Characters</th><th>Source</th>'
        f"<th>Backed by</th><th>Pin</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    ready = (
        '<p class="mka-meta">✓ Every line keeps every rule: this draft can be approved.</p>'
        if record.approvable
        else '<p class="mka-problem">This draft cannot be approved until the problems marked ⚠ are fixed.</p>'
    )
    versions = "".join(
        f"<li>Version {v.version}: {escape(v.note or 'saved')} by {escape(v.edited_by)} on {escape(when(v.created_at))}</li>"
        for v in reversed(record.versions)
    )
    history = (
        f"<details><summary>Versions ({len(record.versions)})</summary><ul>{versions}</ul></details>"
        if versions
        else ""
    )
    return f'<div class="mka-card">{head}{problems}{table}{ready}{history}</div>'


def _message_body(role: str, text: str) -> str:
    """A message as the customer saw it: the customer's own words as plain text, replies (the assistant's, the
    staff's) through the same safe Markdown renderer as the /docs pages."""
    if role == "customer":
        return f'<div class="mka-plain">{escape(text)}</div>'
    return f'<div class="mka-md">{render_markdown(text)}</div>'


def transcript_html(item: InboxItem | None) -> str:
    """A handed-off conversation as the customer saw it, with the request's details on top."""
    if item is None:
        return "<p>Open a request from the list to read the conversation.</p>"
    head = (
        f"<h4>Request #{item.handoff_id} · {_status(item.status)}</h4>"
        f'<div class="mka-meta">Contact: {escape(item.contact or "none given")} · Asked {escape(when(item.created_at))} · '
        f"Waiting {escape(duration(item.waiting_s))} · Assigned to {escape(item.assignee or 'nobody yet')}"
        + (f" · Help desk: {escape(item.webhook_status)}" if item.webhook_status else "")
        + f"<br>Reason: {escape('; '.join(item.reasons))}</div>"
    )
    who = {"customer": "Customer", "assistant": "Assistant", "staff": "Staff"}
    messages = "".join(
        f'<div class="mka-msg {m.role}"><div class="mka-who">{who[m.role]}'
        + (f" · {escape(m.author)}" if m.author else "")
        + f" · {escape(when(m.created_at))}</div>{_message_body(m.role, m.text)}</div>"
        for m in item.transcript
    )
    return f'<div class="mka-card">{head}<div class="mka-transcript">{messages or "<p>No messages yet.</p>"}</div></div>'
