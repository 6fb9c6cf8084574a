"""The real application API (`assistant.Assistant`: policy, store, uploads, feedback) over a scripted turn loop.

Only for unit tests of the HTTP and UI layers: it uses the real `ConversationStore` (real SQLite) and the real policy;
its agent answers with a canned text that names the message and the session (so a test can tell whose answer went
where) and can be told to fail.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from assistant import (
    Assistant,
    BadInput,
    Caller,
    CitationEvent,
    CitationOut,
    DoneEvent,
    Reply,
    TokenEvent,
    ToolCallEvent,
    ToolCallRecord,
)
from assistant.services import Services
from assistant.settings import Settings
from assistant.storage.store import ConversationStore


class EchoAgent:
    """Answers "You asked: <message> (session <id>)" word by word, with one citation; marketers also get a tool call."""

    def __init__(self, store: ConversationStore, token_delay_s: float = 0.0):
        self.store = store
        self.token_delay_s = token_delay_s
        self.calls: list[tuple[str, Caller, str | None]] = []

    def stream_turn(
        self, message: str, caller: Caller, session_id: str | None = None, turn_key: str | None = None
    ) -> Iterator[Any]:
        self.calls.append((message, caller, session_id))
        if message == "boom-bad":
            raise BadInput("that message is not allowed")
        if message == "boom-crash":
            raise RuntimeError("secret internal detail")
        if session_id is None:
            session_id = self.store.create_session(caller.role, caller.customer_id)
        else:
            self.store.require_session(session_id, caller.role, caller.customer_id)
        text = f"You asked: {message} (session {session_id}) [1]"
        citation = CitationOut(n=1, source="policies/returns.md", title="Returns", anchor="return-window")
        tool_calls = []
        if caller.role == "marketer":
            call = ToolCallRecord(name="list_segments", arguments={}, summary="3 segments")
            tool_calls.append(call)
            yield ToolCallEvent(tool_call=call)
        for index, word in enumerate(text.split(" ")):
            if self.token_delay_s:
                time.sleep(self.token_delay_s)
            yield TokenEvent(text=word if index == 0 else " " + word)
        yield CitationEvent(citation=citation)
        turn_id = self.store.add_turn(
            session_id, message=message, reply=text, citations=[citation], tool_calls=tool_calls
        )
        yield DoneEvent(
            reply=Reply(
                session_id=session_id, turn_id=turn_id, text=text, citations=[citation], tool_calls=tool_calls
            )
        )


class FakeAssistant(Assistant):
    """`Assistant` with the `EchoAgent` as its turn loop and only the services a test gives it (e.g. `kb=`)."""

    def __init__(self, settings: Settings, token_delay_s: float = 0.0, **services: Any):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store = ConversationStore.from_url(settings.db_url)
        self.echo = EchoAgent(store, token_delay_s)
        super().__init__(settings, store, services=Services({}, **services), agent=self.echo)

    @property
    def calls(self) -> list[tuple[str, Caller, str | None]]:
        return self.echo.calls
