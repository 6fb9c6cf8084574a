"""The chat panel (the customer page at /chat, the workspace's Chat tab): streamed, cited answers, tool traces for
marketers, thumbs up/down. It calls only the application API (`stream_turn`, `add_feedback`)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from queue import Empty, Queue
from types import SimpleNamespace
from typing import Any

import gradio as gr

from assistant import AssistantAPI, AssistantError, Caller
from ui.chat_memory import remember_chat
from ui.formatting import escape_html, format_reply

log = logging.getLogger(__name__)

CONCURRENCY = 8  # chat turns at once per page; more wait in Gradio's queue
TICK_S = 1.5  # with no new text for this long, the answer shows that work goes on (and for how long)
EXAMPLES_CUSTOMER = [
    "What is your return window?",
    "Which tent is the lightest you sell?",
    "Do you ship abroad?",
]
GREETING = "Hi! Ask me about shipping, returns, sizes or products."
CONTACT_LABEL = "Your email or phone (so that a person can reach you)"
NEED_CONTACT = "Please leave an email address or a phone number so that a person from our team can reach you."
HANDOFF_DONE = "Thanks! A person from our team will contact you at {contact}."
ASK_FOR_PERSON = "I would like to talk to a person."
EXAMPLES_MARKETER = ["Which customer segments do we have?", "Recommend products for customer C00002"]

GetAPI = Callable[[], AssistantAPI]
ChatState = tuple[list[dict[str, Any]], str, str | None, dict[str, int]]


def client_of(request: gr.Request | None) -> str | None:
    try:
        return request.client.host if request is not None and request.client else None
    except AttributeError:
        return None


def chat_stream(
    get_api: GetAPI,
    caller: Caller,
    message: str,
    history: list[dict[str, Any]],
    session_id: str | None,
    turn_map: dict[str, int],
    show_tools: bool,
) -> Iterator[ChatState]:
    """Stream one turn into the chat history: tokens as they come, tool traces, then the cited final text."""
    message = (message or "").strip()
    if not message:
        yield history, "", session_id, turn_map
        return
    before = [*history, {"role": "user", "content": message}]
    answer = ""
    # The message box is cleared once, when the message is taken; later updates leave it alone, so what the user types
    # while the answer is being written stays there.
    keep = gr.skip()

    def snapshot(waited: float | None = None) -> list[dict[str, Any]]:
        # a fresh list each time: Gradio compares what a generator yields with what it sent before
        wait = f"\n\n⏳ working… {waited:.0f} s" if waited is not None else ""
        return [*before, {"role": "assistant", "content": answer + wait}]

    streamed = ""

    yield snapshot(), "", session_id, turn_map
    try:
        asked_in = session_id  # the turn's session, fixed before the loop learns the new one
        turn = lambda: get_api().stream_turn(message, caller, session_id=asked_in)  # noqa: E731
        for event, waited in with_ticks(turn):
            if event is None:  # nothing new for a while (a tool or the model is working): say so
                yield snapshot(waited), keep, session_id, turn_map
                continue
            if event.type == "token":
                streamed += event.text
                answer = escape_html(
                    streamed
                )  # streamed Markdown shows as it comes; HTML in it never renders
            elif event.type == "tool_call" and show_tools:
                before.append(_tool_trace(event.tool_call))
            elif event.type == "done":
                answer = format_reply(event.reply)
                session_id = event.reply.session_id
                turn_map = {**turn_map, str(len(before)): event.reply.turn_id}
            yield snapshot(), keep, session_id, turn_map
    except AssistantError as exc:
        answer = f"⚠️ {exc.message}"
        yield snapshot(), keep, session_id, turn_map
    except Exception:  # never a traceback in the page
        log.exception("chat turn failed")
        answer = "⚠️ Something went wrong on our side. Please try again."
        yield snapshot(), keep, session_id, turn_map


def with_ticks(events: Callable[[], Iterator[Any]], every_s: float = TICK_S) -> Iterator[tuple[Any, float]]:
    """(event, seconds since start) for each event of `events()`, run in a thread, and (None, seconds) whenever
    `every_s` passes without one. Errors of the turn are raised here, in the caller's thread."""
    queue: Queue[tuple[str, Any]] = Queue()

    def produce() -> None:
        try:
            for event in events():
                queue.put(("event", event))
        except BaseException as exc:  # handed over, raised by the consumer
            queue.put(("error", exc))
        finally:
            queue.put(("end", None))

    started = time.monotonic()
    threading.Thread(target=produce, daemon=True, name="chat-turn").start()
    while True:
        try:
            kind, item = queue.get(timeout=every_s)
        except Empty:
            yield None, time.monotonic() - started
            continue
        if kind == "end":
            return
        if kind == "error":
            raise item
        yield item, time.monotonic() - started


def _tool_trace(call: Any) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": f"{call.summary}\n\n```json\n{json.dumps(call.arguments, ensure_ascii=False)}\n```",
        "metadata": {"title": f"Tool: {call.name}" + ("" if call.ok else " (refused)")},
    }


def record_feedback(
    get_api: GetAPI, caller: Caller, data: gr.LikeData, session_id: str | None, turn_map: dict
) -> str:
    """Thumbs up/down on an answer -> feedback on that turn."""
    index = data.index[0] if isinstance(data.index, list | tuple) else data.index
    turn_id = turn_map.get(str(index))
    if session_id is None or turn_id is None:
        return "Feedback is possible once the answer is complete."
    if data.liked in (True, False):
        get_api().add_feedback(caller, session_id, turn_id, 1 if data.liked else -1)
        return "Thanks for your feedback!"
    return ""


def chat_panel(
    get_api: GetAPI,
    caller_of: Callable[[gr.Request], Caller],
    show_tools: bool,
    examples: list[str],
    limiter: Any = None,
    elem_prefix: str = "customer",
    greeting: str | None = None,
    ask_contact: bool = False,
) -> SimpleNamespace:
    """A chatbot, a message box and thumbs, for the caller `caller_of(request)` names; with `ask_contact`, a contact
    field that goes with every turn and a button that asks for a person. Returns its components and turn events (for `ui.chat_memory`)."""
    chatbot = gr.Chatbot(
        value=[{"role": "assistant", "content": greeting}] if greeting else None,
        label="Assistant",
        show_label=not greeting,  # the label would sit on top of the greeting
        height=480,
        elem_id=f"{elem_prefix}-chatbot",
        feedback_options=("Like", "Dislike"),
        sanitize_html=True,
        autoscroll=False,  # static/pages.js follows a reply only until its first line reaches the top
        buttons=[
            "copy",
            "copy_all",
        ],  # no "share" (to Hugging Face): an unnamed icon button, and nowhere to go
        allow_tags=False,  # no custom tags from a reply either
    )
    with gr.Row():
        box = gr.Textbox(
            placeholder="Type your question…", show_label=False, scale=8, elem_id=f"{elem_prefix}-message"
        )
        send = gr.Button("Send", variant="primary", scale=1, elem_id=f"{elem_prefix}-send")
    contact = gr.Textbox(
        label=CONTACT_LABEL,
        placeholder="name@example.com or +43 …",
        visible=ask_contact,
        max_length=200,
        elem_id=f"{elem_prefix}-contact",
    )
    person = gr.Button("Talk to a person", visible=ask_contact, elem_id=f"{elem_prefix}-handoff")
    # right under the buttons (not below the examples, out of sight on a phone): where the customer is looking
    status = gr.Markdown("", elem_id=f"{elem_prefix}-status")
    gr.Examples(examples, inputs=box)
    session = gr.State(None)
    turns = gr.State({})
    # pages (Gradio sessions) with a turn in flight: a turn rewrites the whole chat when it ends, so what another
    # event adds meanwhile would vanish (ui.chat_memory's poll for staff replies waits for the next tick)
    busy: Counter[str] = Counter()

    def respond(
        message: str, history: list, session_id: str | None, turn_map: dict, reach: str, request: gr.Request
    ):
        if session_id and limiter is not None:  # the same per-conversation limit as the HTTP API
            try:
                limiter.hit(session_id)
            except AssistantError as exc:
                warning = {"role": "assistant", "content": f"⚠️ {exc.message}"}
                yield [*(history or []), warning], message, session_id, turn_map
                return
        caller = with_contact(caller_of(request), reach)
        with in_flight(busy, request):
            yield from chat_stream(get_api, caller, message, history or [], session_id, turn_map, show_tools)

    def ask_person(history: list, session_id: str | None, turn_map: dict, reach: str, request: gr.Request):
        with in_flight(busy, request):
            history, session_id, turn_map, note = request_person(
                get_api, with_contact(caller_of(request), reach), history or [], session_id, turn_map
            )
        if note.startswith("⚠️"):  # the warning also joins the conversation, as the widget shows it
            history = [*history, {"role": "assistant", "content": note}]
        return history, session_id, turn_map, note

    def like(data: gr.LikeData, session_id: str | None, turn_map: dict, request: gr.Request) -> str:
        try:
            return record_feedback(get_api, caller_of(request), data, session_id, turn_map)
        except AssistantError as exc:
            return f"⚠️ {exc.message}"

    outputs = [chatbot, box, session, turns]
    events = [
        trigger(
            respond,
            [box, chatbot, session, turns, contact],
            outputs,
            concurrency_limit=CONCURRENCY,
            api_name=False,
        )
        for trigger in (box.submit, send.click)
    ]
    events.append(
        person.click(
            ask_person, [chatbot, session, turns, contact], [chatbot, session, turns, status], api_name=False
        )
    )
    chatbot.like(like, [session, turns], status, api_name=False)
    return SimpleNamespace(
        chatbot=chatbot, session=session, turns=turns, status=status, events=events, busy=busy
    )


@contextmanager
def in_flight(busy: Counter[str], request: gr.Request | None) -> Iterator[None]:
    """Count a turn of this page (its Gradio session) as in flight while the block runs."""
    key = str(getattr(request, "session_hash", None))
    busy[key] += 1
    try:
        yield
    finally:
        busy[key] -= 1
        if busy[key] <= 0:
            del busy[key]


def with_contact(caller: Caller, reach: str | None) -> Caller:
    """The caller with the contact details the page asked for (none when the field is empty)."""
    reach = (reach or "").strip()[:200]
    return caller.model_copy(update={"contact": reach or None})


def request_person(
    get_api: GetAPI, caller: Caller, history: list[dict[str, Any]], session_id: str | None, turn_map: dict
) -> tuple[list[dict[str, Any]], str | None, dict, str]:
    """ "Talk to a person": one handoff, only with a way to reach the customer.

    Without a conversation yet, the request is the first turn (the turn itself may hand off: then that is the one
    handoff); otherwise the handoff is queued through the application API with the contact given.
    """
    if not caller.contact:
        return history, session_id, turn_map, f"⚠️ {NEED_CONTACT}"
    try:
        api = get_api()
        if session_id is None:
            reply = api.turn(ASK_FOR_PERSON, caller)
            history = [*history, {"role": "user", "content": ASK_FOR_PERSON}]
            history.append({"role": "assistant", "content": format_reply(reply)})
            session_id, turn_map = reply.session_id, {**turn_map, str(len(history) - 1): reply.turn_id}
            if reply.action == "handoff":
                return history, session_id, turn_map, HANDOFF_DONE.format(contact=escape_html(caller.contact))
        api.request_handoff(caller, session_id, caller.contact, "asked for a person on the chat page")
    except AssistantError as exc:
        return history, session_id, turn_map, f"⚠️ {exc.message}"
    done = HANDOFF_DONE.format(contact=escape_html(caller.contact))
    return [*history, {"role": "assistant", "content": done}], session_id, turn_map, done


def customer_caller(request: gr.Request) -> Caller:
    """Everyone on the chat page is a customer (anonymous: the page carries no shop-signed token)."""
    return Caller(role="customer", client=client_of(request))


def build_chat(get_api: GetAPI, limiter: Any = None) -> gr.Blocks:
    """The customer chat page: streamed, cited answers with thumbs up/down."""
    with gr.Blocks(title="Ask the shop", analytics_enabled=False) as page:
        gr.Markdown(
            "## Ask the shop\nQuestions about shipping, returns, sizes or products. Answers cite our pages."
        )
        panel = chat_panel(
            get_api,
            customer_caller,
            show_tools=False,
            examples=EXAMPLES_CUSTOMER,
            limiter=limiter,
            greeting=GREETING,
            ask_contact=True,
        )
        remember_chat(page, panel, get_api, customer_caller)
    return page
