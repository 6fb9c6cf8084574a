"""The customer chat page remembers its conversation the way the widget does, and shows the shop's staff replies.

The session id, the transcript shown and the last staff reply seen live in the browser's localStorage (Gradio's
`BrowserState`), so a reload shows the conversation and the next question continues the same session (the API
still checks that the session is this caller's). Replies a person sends from the workspace's inbox are fetched
through the application API (`staff_replies`) when the page loads, and join the transcript labelled as the
team's, as the widget shows them. Unlike the widget, the page does not poll while open: each poll would be one
more Gradio queue request against the per-address rate limit (a reload shows new replies).
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
    kept = [panel.chatbot, panel.session, panel.turns, seen]

    def on_load(stored: dict | None, request: gr.Request):
        # nothing kept: leave the page as built (a question asked before this ran must not be wiped by it)
        kept_now = restore(stored)
        if kept_now is None:
            return (gr.skip(),) * len(kept)
        history, session, turns, last = kept_now
        shown, newest = new_staff_replies(get_api(), caller_of(request), history, session, last)
        if isinstance(
            shown, list
        ):  # replies came since: shown after what was kept (the next turn keeps them)
            history, last = shown, newest
        return history, session, turns, last

    # One request per page load and one per turn: every Gradio event is a queue request that counts against the
    # per-address rate limit (MKA_RATE_PER_MINUTE_CLIENT), so restore and poll share one.
    page.load(on_load, [saved], kept, api_name=False)
    for event in panel.events:
        event.then(remember, kept, saved, api_name=False)
