"""The Gradio pages mounted in the service: the customer chat at /chat and the marketer workspace at /workspace.

The UI holds no business logic: it calls the assistant's public interface (`stream_turn`, `store`, the tools through
their own role checks) and renders what comes back. The workspace is guarded twice: the service's middleware sends
anyone without a marketer session to /login, and Gradio's `auth_dependency` names the marketer.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from assistant.errors import AssistantError  # noqa: E402
from assistant.conversation.reply import Caller, CitationOut, Reply  # noqa: E402
from assistant.settings import Settings  # noqa: E402

log = logging.getLogger(__name__)


def _channels() -> dict[str, dict[str, int]]:
    """Channel name -> {field: max characters}, from the copywriter's channel specs (data in channels.yaml)."""
    try:
        from generation.copywriter import channel_specs
    except ImportError:  # a build without the copywriter: the tool call will say what is missing
        return {name: {} for name in ("google-rsa", "meta", "email", "sms", "x")}
    return {name: {f.name: f.max_chars for f in spec.fields} for name, spec in channel_specs().items()}


CHANNEL_LIMITS = _channels()
CHANNELS = list(CHANNEL_LIMITS)
EXAMPLES_CUSTOMER = ["What is your return window?", "How long does shipping take?", "Do you ship abroad?"]
EXAMPLES_MARKETER = ["Which customer segments do we have?", "Recommend products for customer C00002"]
NO_BRIEF = "(no brief)"
CONCURRENCY = 8  # chat turns at once per page; more wait in Gradio's queue
_META_KEYS = {
    "sku",
    "skus",
    "variant",
    "channel",
    "id",
    "limits",
    "violations",
    "warnings",
    "language",
    "voice",
}


# ----------------------------------------------------------------------------------------------------- formatting
def citation_url(c: CitationOut) -> str:
    """Where a citation link goes: the reply's own URL or the rendered document at /docs/<source>#<anchor>."""
    if c.url:
        return c.url
    return f"/docs/{c.source.lstrip('/')}" + (f"#{c.anchor}" if c.anchor else "")


def format_reply(reply: Reply) -> str:
    """The reply text followed by its numbered sources as Markdown links."""
    text = reply.text.strip()
    if reply.citations:
        links = " · ".join(f"[{c.n}] [{c.title or c.source}]({citation_url(c)})" for c in reply.citations)
        text += f"\n\n**Sources:** {links}"
    return text


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple) and all(
        isinstance(v, list | tuple) and len(v) == 2 and isinstance(v[1], float) for v in value
    ):  # (name, share) pairs such as a segment's top categories
        return ", ".join(
            f"{name} {share:.0%}" if share <= 1 else f"{name} {share:g}" for name, share in value
        )
    if isinstance(value, list | tuple):
        return ", ".join(str(_cell(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses

        return dataclasses.asdict(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def records(result: Any, *keys: str) -> list[dict[str, Any]]:
    """The list of row dicts inside a tool result: the result itself, or its first list under `keys`."""
    result = _plain(result)
    if isinstance(result, dict):
        for key in keys:
            if isinstance(result.get(key), list):
                return [r if isinstance(r, dict) else {"value": r} for r in result[key]]
        lists = [v for v in result.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        return lists[0] if lists else [result]
    if isinstance(result, list):
        return [r if isinstance(r, dict) else {"value": r} for r in result]
    return [{"value": result}]


# Columns people read first, when a result has them.
PREFERRED_COLUMNS = ("name", "item_id", "sku", "price", "currency", "reason", "size", "share")


def table(rows: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """Headers and cell rows for a Dataframe (preferred columns first, then the rest in first-seen order)."""
    seen: list[str] = []
    for row in rows:
        seen += [k for k in row if k not in seen]
    headers = [c for c in PREFERRED_COLUMNS if c in seen] + [c for c in seen if c not in PREFERRED_COLUMNS]
    return headers, [[_cell(row.get(h)) for h in headers] for row in rows]


def draft_rows(result: Any, channel_limits: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """One row per copy field of every draft variant, with its character count and the channel's limit if known."""
    drafts = records(result, "drafts", "variants")
    rows: list[dict[str, Any]] = []
    for number, draft in enumerate(drafts, start=1):
        limits = {
            **(channel_limits or {}),
            **(draft.get("limits") if isinstance(draft.get("limits"), dict) else {}),
        }
        variant = draft.get("variant", number)
        fields = draft.get("fields") if isinstance(draft.get("fields"), dict) else draft
        for field, value in fields.items():
            if field in _META_KEYS:
                continue
            texts = value if isinstance(value, list) else [value]
            for index, text in enumerate(texts, start=1):
                if not isinstance(text, str):
                    continue
                name = f"{field} {index}" if len(texts) > 1 else field
                limit = limits.get(field)
                rows.append(
                    {
                        "variant": variant,
                        "field": name,
                        "text": text,
                        "chars": len(text),
                        "limit": limit or "",
                    }
                )
    return rows


def write_csv(rows: list[dict[str, Any]], prefix: str) -> str:
    """The rows as a CSV file in the temp folder (Gradio serves files from there) and its path."""
    headers, cells = table(rows)
    handle = tempfile.NamedTemporaryFile(
        "w", suffix=".csv", prefix=prefix, delete=False, newline="", encoding="utf-8"
    )
    with handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        writer.writerows(cells)
    return handle.name


# -------------------------------------------------------------------------------------------------------- chatting
def _client(request: gr.Request | None) -> str | None:
    try:
        return request.client.host if request is not None and request.client else None
    except AttributeError:
        return None


def chat_stream(
    get_assistant: Callable[[], Any],
    caller: Caller,
    message: str,
    history: list[dict[str, Any]],
    session_id: str | None,
    turn_map: dict[str, int],
    show_tools: bool,
) -> Iterator[tuple[list[dict[str, Any]], str, str | None, dict[str, int]]]:
    """Stream one turn into the chat history: tokens as they come, tool traces, then the cited final text."""
    message = (message or "").strip()
    if not message:
        yield history, "", session_id, turn_map
        return
    before = [*history, {"role": "user", "content": message}]
    answer = ""

    def snapshot() -> list[dict[str, Any]]:
        # a fresh list each time: Gradio compares what a generator yields with what it sent before
        return [*before, {"role": "assistant", "content": answer}]

    yield snapshot(), "", session_id, turn_map
    try:
        for event in get_assistant().stream_turn(message, caller, session_id=session_id):
            if event.type == "token":
                answer += event.text
            elif event.type == "tool_call" and show_tools:
                call = event.tool_call
                before.append(
                    {
                        "role": "assistant",
                        "content": f"{call.summary}\n\n```json\n{json.dumps(call.arguments, ensure_ascii=False)}\n```",
                        "metadata": {"title": f"Tool: {call.name}" + ("" if call.ok else " (refused)")},
                    }
                )
            elif event.type == "done":
                reply = event.reply
                answer = format_reply(reply)
                session_id = reply.session_id
                turn_map = {**turn_map, str(len(before)): reply.turn_id}
            yield snapshot(), "", session_id, turn_map
    except AssistantError as exc:
        answer = f"⚠️ {exc.message}"
        yield snapshot(), "", session_id, turn_map
    except Exception:  # never a traceback in the page
        log.exception("chat turn failed")
        answer = "⚠️ Something went wrong on our side. Please try again."
        yield snapshot(), "", session_id, turn_map


def record_feedback(
    get_assistant: Callable[[], Any], data: gr.LikeData, session_id: str | None, turn_map: dict
) -> str:
    """Thumbs up/down on an answer -> the store's feedback on that turn."""
    index = data.index[0] if isinstance(data.index, list | tuple) else data.index
    turn_id = turn_map.get(str(index))
    if session_id is None or turn_id is None:
        return "Feedback is possible once the answer is complete."
    if data.liked in (True, False):
        get_assistant().store.add_feedback(session_id, turn_id, 1 if data.liked else -1)
        return "Thanks for your feedback!"
    return ""


def _chat_panel(
    get_assistant: Callable[[], Any], role: str, show_tools: bool, examples: list[str], limiter: Any = None
) -> None:
    chatbot = gr.Chatbot(
        label="Assistant", height=480, elem_id=f"{role}-chatbot", feedback_options=("Like", "Dislike")
    )
    with gr.Row():
        box = gr.Textbox(
            placeholder="Type your question…", show_label=False, scale=8, elem_id=f"{role}-message"
        )
        send = gr.Button("Send", variant="primary", scale=1, elem_id=f"{role}-send")
    gr.Examples(examples, inputs=box)
    status = gr.Markdown("", elem_id=f"{role}-status")
    session = gr.State(None)
    turns = gr.State({})

    def respond(message: str, history: list, session_id: str | None, turn_map: dict, request: gr.Request):
        caller = Caller(role=role, client=_client(request))  # type: ignore[arg-type]
        if session_id and limiter is not None:  # the same per-conversation limit as the HTTP API
            try:
                limiter.hit(session_id)
            except AssistantError as exc:
                yield (
                    [*(history or []), {"role": "assistant", "content": f"⚠️ {exc.message}"}],
                    message,
                    session_id,
                    turn_map,
                )
                return
        yield from chat_stream(
            get_assistant, caller, message, history or [], session_id, turn_map, show_tools
        )

    def like(data: gr.LikeData, session_id: str | None, turn_map: dict) -> str:
        try:
            return record_feedback(get_assistant, data, session_id, turn_map)
        except AssistantError as exc:
            return f"⚠️ {exc.message}"

    outputs = [chatbot, box, session, turns]
    for trigger in (box.submit, send.click):
        trigger(
            respond, [box, chatbot, session, turns], outputs, concurrency_limit=CONCURRENCY, api_name=False
        )
    chatbot.like(like, [session, turns], status, api_name=False)


# ----------------------------------------------------------------------------------------------------- the pages
def build_chat(get_assistant: Callable[[], Any], limiter: Any = None) -> gr.Blocks:
    """The customer chat page: streamed, cited answers with thumbs up/down."""
    with gr.Blocks(title="Ask the shop", analytics_enabled=False) as page:
        gr.Markdown(
            "## Ask the shop\nQuestions about shipping, returns, sizes or products. Answers cite our pages."
        )
        _chat_panel(get_assistant, "customer", show_tools=False, examples=EXAMPLES_CUSTOMER, limiter=limiter)
    return page


def build_workspace(get_assistant: Callable[[], Any], settings: Settings) -> gr.Blocks:
    """The marketer workspace: chat with tool traces, copy drafts, segments and recommendations."""
    from assistant.http.app import run_tool

    marketer = Caller(role="marketer")

    def tool(name: str, args: dict[str, Any]) -> Any:
        return run_tool(get_assistant(), marketer, name, args)

    def drafts(skus: str, channel: str, variants: float, brief: str | None, segment: str):
        sku_list = [s.strip() for s in skus.replace("\n", ",").split(",") if s.strip()]
        if not sku_list:
            raise gr.Error("Enter at least one SKU.")
        try:
            args: dict[str, Any] = {"skus": sku_list, "channel": channel, "variants": int(variants)}
            if brief and brief != NO_BRIEF:
                args["brief_id"] = brief
            if segment and segment.strip():
                args["segment"] = segment.strip()
            result = tool("draft_copy", args)
        except AssistantError as exc:
            raise gr.Error(exc.message) from exc
        rows = draft_rows(result, CHANNEL_LIMITS.get(channel))
        headers, cells = table(rows)
        notes = _plain(result).get("warnings") if isinstance(_plain(result), dict) else None
        variants_made = len({r["variant"] for r in rows})
        message = f"{len(rows)} field(s) in {variants_made} variant(s)." + (
            f" Notes: {'; '.join(map(str, notes))}" if notes else ""
        )
        return gr.Dataframe(value=cells, headers=headers), write_csv(rows, "copy-drafts-"), message

    def segments():
        try:
            result = tool("list_segments", {})
        except AssistantError as exc:
            raise gr.Error(exc.message) from exc
        headers, cells = table(records(result, "segments", "profiles"))
        return gr.Dataframe(value=cells, headers=headers), _segment_plot(result, settings)

    def recommend(customer_id: str, k: float):
        customer_id = (customer_id or "").strip()
        if not customer_id:
            raise gr.Error("Enter a customer id.")
        try:
            result = tool("recommend_products", {"customer_id": customer_id, "k": int(k)})
        except AssistantError as exc:
            raise gr.Error(exc.message) from exc
        headers, cells = table(records(result, "items", "recommendations", "products"))
        return gr.Dataframe(value=cells, headers=headers)

    def upload(path: str | None) -> str:
        from assistant.http.app import save_and_ingest

        if not path:
            raise gr.Error("Choose a file first.")
        try:
            done = save_and_ingest(get_assistant(), settings, Path(path).name, Path(path).read_bytes())
        except AssistantError as exc:
            raise gr.Error(exc.message) from exc
        return f"Saved and indexed [{done['saved']}]({done['url']}) ({done['bytes']} bytes)."

    def handoffs():
        rows = get_assistant().store.list_handoffs(status="open")
        headers, cells = table(rows) if rows else (["session_id", "contact", "reason", "created_at"], [])
        return gr.Dataframe(value=cells, headers=headers)

    with gr.Blocks(title="Marketer workspace", analytics_enabled=False) as page:
        with gr.Row():
            gr.Markdown("## Marketer workspace")
            gr.HTML('<div style="text-align:right"><a href="/logout">Log out</a></div>')
        with gr.Tab("Chat"):
            _chat_panel(get_assistant, "marketer", show_tools=True, examples=EXAMPLES_MARKETER)
        with gr.Tab("Copy drafts", elem_id="tab-copy"):
            with gr.Row():
                skus = gr.Textbox(label="SKUs (comma-separated)", elem_id="copy-skus")
                channel = gr.Dropdown(CHANNELS, value=CHANNELS[0], label="Channel", elem_id="copy-channel")
                variants = gr.Slider(1, 5, value=2, step=1, label="Variants", elem_id="copy-variants")
            with gr.Row():
                brief = gr.Dropdown(
                    [NO_BRIEF, *_briefs(settings)],
                    value=NO_BRIEF,
                    label="Campaign brief",
                    elem_id="copy-brief",
                )
                segment = gr.Textbox(label="Segment (optional)", elem_id="copy-segment")
            go = gr.Button("Draft copy", variant="primary", elem_id="copy-go")
            summary = gr.Markdown(elem_id="copy-summary")
            drafts_table = gr.Dataframe(label="Drafts", elem_id="copy-table", interactive=False, wrap=True)
            download = gr.File(label="CSV download", elem_id="copy-csv")
            go.click(
                drafts,
                [skus, channel, variants, brief, segment],
                [drafts_table, download, summary],
                api_name=False,
            )
        with gr.Tab("Segments", elem_id="tab-segments"):
            load = gr.Button("Load segments", elem_id="segments-load")
            plot = gr.Image(label="Segments", type="filepath", elem_id="segments-plot")
            profiles = gr.Dataframe(label="Profiles", elem_id="segments-table", interactive=False, wrap=True)
            load.click(segments, None, [profiles, plot], api_name=False)
        with gr.Tab("Recommendations", elem_id="tab-recs"):
            with gr.Row():
                customer = gr.Textbox(label="Customer id", elem_id="recs-customer")
                k = gr.Slider(1, 20, value=5, step=1, label="How many")
            show = gr.Button("Recommend", variant="primary", elem_id="recs-go")
            recs = gr.Dataframe(
                label="Recommended products", elem_id="recs-table", interactive=False, wrap=True
            )
            show.click(recommend, [customer, k], recs, api_name=False)
        with gr.Tab("Handoffs", elem_id="tab-handoffs"):
            refresh = gr.Button("Show open handoffs", elem_id="handoffs-load")
            open_handoffs = gr.Dataframe(label="Customers waiting for a person", interactive=False, wrap=True)
            refresh.click(handoffs, None, open_handoffs, api_name=False)
        with gr.Tab("Documents", elem_id="tab-docs"):
            gr.Markdown(
                "Add a policy page, FAQ or catalog (Markdown, HTML, text, PDF, CSV, JSON); it is searchable at once."
            )
            document = gr.File(label="Document", type="filepath", elem_id="docs-file")
            add = gr.Button("Upload and index", variant="primary", elem_id="docs-go")
            added = gr.Markdown(elem_id="docs-status")
            add.click(upload, document, added, api_name=False)
    return page


def _briefs(settings: Settings) -> list[str]:
    """The campaign briefs a marketer can pick (their file names under <demo_dir>/campaigns)."""
    folder = settings.demo_dir / "campaigns"
    return sorted(p.stem for p in folder.glob("*.y*ml")) if folder.is_dir() else []


def _segment_plot(result: Any, settings: Settings) -> str | None:
    """The segment plot PNG: named by the tool result if it says, else the newest PNG in the artifacts folder."""
    plain = _plain(result)
    if isinstance(plain, dict):
        for key in ("plot", "plot_path", "image"):
            if plain.get(key) and Path(str(plain[key])).is_file():
                return str(plain[key])
    standard = settings.artifacts_dir / "segments.png"  # written by assistant.commerce.models.training
    if standard.is_file():
        return str(standard)
    found = (
        sorted(settings.artifacts_dir.rglob("*.png"), key=lambda p: p.stat().st_mtime)
        if settings.artifacts_dir.is_dir()
        else []
    )
    return str(found[-1]) if found else None


def mount_ui(app: Any, settings: Settings, get_assistant: Callable[[], Any], auth: Any) -> None:
    """Mount the chat page at /chat and the workspace (marketers only) at /workspace on the FastAPI `app`."""

    def marketer_name(request: Any) -> str | None:
        marketer = auth.marketer_from_request(request)
        return marketer.username if marketer else None

    chat = build_chat(get_assistant, getattr(app.state, "session_limiter", None)).queue(
        default_concurrency_limit=CONCURRENCY
    )
    workspace = build_workspace(get_assistant, settings).queue(default_concurrency_limit=CONCURRENCY)
    theme = gr.themes.Soft(primary_hue="emerald", neutral_hue="slate")
    gr.mount_gradio_app(app, chat, path="/chat", ssr_mode=False, footer_links=[], theme=theme)
    gr.mount_gradio_app(
        app,
        workspace,
        path="/workspace",
        ssr_mode=False,
        footer_links=[],
        theme=theme,
        auth_dependency=marketer_name,
        allowed_paths=[str(settings.artifacts_dir)],
    )
