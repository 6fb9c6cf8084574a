"""The customer chat page remembers its conversation the way the widget does, and shows the shop's staff replies.

The session id, the transcript shown and the last staff reply seen live in the browser's localStorage (Gradio's
`BrowserState`), so a reload shows the conversation and the next question continues the same session (the API
still checks that the session is this caller's). Replies a person sends from the workspace's inbox are fetched
through the application API (`staff_replies`, what the widget polls over HTTP) when the page loads and then every
`POLL_S` seconds while the page has a conversation and is in view (a `gr.Timer`: Gradio ticks only while the page is
visible), and join the transcript labelled as the team's, as the widget shows them. Each tick is one Gradio queue
request counted by the per-address rate limit: four a minute, as the open widget polls. A tick that comes while a
turn is being written waits for the next one (the turn rewrites the whole chat when it ends).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gradio as gr

from assistant import AssistantError, Caller
from ui.formatting import escape_html

STORAGE_KEY = "mka-chat"
KEEP_MESSAGES = 60  # what a reload shows; the stored conversation itself is the server's
STAFF_LABEL = "Our team"
POLL_S = 15  # as often as the open widget polls (ui/static/widget.js, REPLY_POLL_MS)
EMPTY: dict[str, Any] = {"session": None, "history": [], "turns": {}, "seen": 0}


def staff_message(text: str) -> dict[str, Any]:
    """A staff reply as a chat message: labelled as the team's, its text escaped like any reply."""
    return {"role": "assistant", "content": f"**{STAFF_LABEL}:** {escape_html(text)}"}


def restore(saved: dict[str, Any] | None) -> tuple[list, str, dict, int] | None:
    """(history, session id, turn map, last staff reply seen) from what the browser kept; None if nothing."""
    saved = saved if isinstance(saved, dict) else {}
    history = [
        m
        for m in saved.get("history") or []
        if isinstance(m, dict) and m.get("role") in ("user", "assistant")
    ]
    session = saved.get("session") if isinstance(saved.get("session"), str) else None
    turns = saved.get("turns") if isinstance(saved.get("turns"), dict) else {}
    seen = saved.get("seen") if isinstance(saved.get("seen"), int) else 0
    if not history or not session:
        return None
    return history, session, turns, seen


def remember(
    history: list | None, session: str | None, turns: dict | None, seen: int | None
) -> dict[str, Any]:
    """What the browser keeps: the last `KEEP_MESSAGES` messages (turn numbers shift with the cut)."""
    history = list(history or [])
    cut = max(0, len(history) - KEEP_MESSAGES)
    kept_turns = {
        str(int(k) - cut): v for k, v in (turns or {}).items() if str(k).isdigit() and int(k) >= cut
    }
    return {"session": session, "history": history[cut:], "turns": kept_turns, "seen": int(seen or 0)}


def new_staff_replies(
    api: Any, caller: Caller, history: list | None, session: str | None, seen: int | None
) -> tuple[Any, Any]:
    """(history with the staff replies after `seen` appended, the new `seen`); (skip, skip) when nothing came."""
    if not session:
        return gr.skip(), gr.skip()
    try:
        replies = api.staff_replies(caller, session, int(seen or 0))
    except AssistantError:  # a session this caller may not read, or gone: nothing to show
        return gr.skip(), gr.skip()
    if not replies:
        return gr.skip(), gr.skip()
    added = [staff_message(r.text) for r in replies]
    return [*(history or []), *added], max(r.reply_id for r in replies)


def remember_chat(
    page: gr.Blocks,
    panel: Any,
    get_api: Callable[[], Any],
    caller_of: Callable[[gr.Request], Caller],
) -> None:
    """Wire the memory and the staff replies into a chat panel (`ui.chat.chat_panel`'s components) on `page`."""
    saved = gr.BrowserState(dict(EMPTY), storage_key=STORAGE_KEY)
    seen = gr.State(0)
    poll = gr.Timer(POLL_S, active=False)  # on once there is a conversation to poll for
    kept = [panel.chatbot, panel.session, panel.turns, seen]

    def on_load(stored: dict | None, request: gr.Request):
        # nothing kept: leave the page as built (a question asked before this ran must not be wiped by it)
        kept_now = restore(stored)
        if kept_now is None:
            return (gr.skip(),) * (len(kept) + 1)
        history, session, turns, last = kept_now
        shown, newest = new_staff_replies(get_api(), caller_of(request), history, session, last)
        if isinstance(
            shown, list
        ):  # replies came since: shown after what was kept (the next turn keeps them)
            history, last = shown, newest
        return history, session, turns, last, gr.Timer(active=True)

    def keep(history: list | None, session: str | None, turns: dict | None, last: int | None):
        return remember(history, session, turns, last), gr.Timer(active=bool(session))

    def tick(
        history: list | None, session: str | None, turns: dict | None, last: int | None, request: gr.Request
    ):
        if panel.busy.get(str(getattr(request, "session_hash", None))):
            return (gr.skip(),) * 3  # a turn is being written: the next tick brings the reply
        shown, newest = new_staff_replies(get_api(), caller_of(request), history, session, last)
        if not isinstance(shown, list):
            return (gr.skip(),) * 3
        return shown, newest, remember(shown, session, turns, newest)

    # Every Gradio event is a queue request that counts against the per-address rate limit
    # (MKA_RATE_PER_MINUTE_CLIENT): one per page load, one per turn (which also switches the poll on), one per tick.
    page.load(on_load, [saved], [*kept, poll], api_name=False)
    for event in panel.events:
        event.then(keep, kept, [saved, poll], api_name=False)
    poll.tick(tick, kept, [panel.chatbot, seen, saved], api_name=False, show_progress="hidden")
