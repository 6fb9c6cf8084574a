"""The structured reply of one turn and the events streamed while it is produced.

Handoff, citations and tool calls are fields here, never parsed out of prose. `action` is "handoff" when the
conversation goes to a person: `handoff_id` is set once it is stored; without one, the reply asks how to reach the
customer (a widget shows its contact form) and the next message or `request_handoff` with the contact stores it. The HTTP API sends the events as SSE
(`token`, `citation`, `tool_call`, `done`); `stream=false` returns the `Reply` whole.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Action = Literal["answer", "clarify", "handoff"]
Role = Literal["customer", "marketer"]


class Caller(BaseModel):
    """Who is asking. A customer is anonymous unless the shop signed their id (see the widget's HMAC)."""

    role: Role
    customer_id: str | None = None
    client: str | None = None  # client address, for rate limits and logs
    user: str | None = None  # the marketer's login name (who drafted, approved or replied), when known
    # How a person can reach the caller (an e-mail or phone the page asked for), for a handoff made in this turn.
    contact: str | None = Field(default=None, max_length=200)


class CitationOut(BaseModel):
    """Evidence `[n]` in the reply text points at `citations[n-1]`."""

    n: int
    source: str
    title: str
    anchor: str = ""
    url: str | None = None  # a link the UI can open, e.g. /docs/policies/returns.md#return-window
    snippet: str = ""


class ToolCallRecord(BaseModel):
    """One tool that ran in this turn (or was refused)."""

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    summary: str = ""  # one line a person can read
    ok: bool = True
    result: Any = None  # structured result (recommendations, drafts, profiles) for UIs to render
    # a refused or failed call: its error's kind (not_found, invalid_choice, bad_input, forbidden, ...)
    error: str | None = None


class About(BaseModel):
    """What a reply talked about, stored with its turn so that the next turn's follow-ups resolve against it.

    `products`: the SKUs shown, in the order shown (the lead first); `kind`: the kind of product asked about;
    `topic`: the question answered (a service question, with an earlier follow-up resolved); `section`: the heading
    of the first section cited; `query`: the catalog query's arguments (operation, sort, filters: the constraints).
    """

    products: list[str] = Field(default_factory=list)
    kind: str | None = None
    topic: str = ""
    section: str = ""
    query: dict[str, Any] = Field(default_factory=dict)


class Reply(BaseModel):
    """The whole answer of one turn."""

    session_id: str
    turn_id: int
    text: str
    citations: list[CitationOut] = Field(default_factory=list)
    tool_calls: list[ToolCallRecord] = Field(default_factory=list)
    action: Action = "answer"
    intent: str = ""
    language: str = "en"  # the language the reply is written in (the customer's, detected)
    handoff_offered: bool = False  # the reply offers a person (a UI may show a button); nothing was opened
    handoff_id: int | None = None  # the handoff this turn opened or joined, if any
    # answered | quoted (a section quoted: not sure it answers) | not_found | offered | awaiting_contact | handoff
    outcome: str = "answered"
    confidence: float | None = None  # how surely the evidence states what was asked; None: no composed answer
    about: About = Field(default_factory=About)  # what the reply talked about (for follow-ups)


class TokenEvent(BaseModel):
    type: Literal["token"] = "token"
    text: str


class CitationEvent(BaseModel):
    type: Literal["citation"] = "citation"
    citation: CitationOut


class ToolCallEvent(BaseModel):
    type: Literal["tool_call"] = "tool_call"
    tool_call: ToolCallRecord


class DoneEvent(BaseModel):
    type: Literal["done"] = "done"
    reply: Reply


TurnEvent = TokenEvent | CitationEvent | ToolCallEvent | DoneEvent
