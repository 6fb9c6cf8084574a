"""Chat routes: one turn (streamed as SSE or whole), thumbs up/down, and asking for a person."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sse_starlette.sse import EventSourceResponse

from assistant.citation_links import with_links
from assistant.conversation.reply import Reply
from assistant.errors import BadInput
from assistant.http.schemas import ChatRequest, FeedbackRequest, HandoffRequest
from assistant.http.state import app_state
from assistant.http.streaming import sse_events, start_events

router = APIRouter(tags=["chat"])


@router.post("/v1/chat", response_model=Reply)
async def chat(body: ChatRequest, request: Request) -> Any:
    """One turn. With `stream` (default) the answer comes as SSE events `token`, `citation`, `tool_call` and a last
    `done` carrying the whole Reply; with `stream=false` the Reply is returned as JSON. A shop-signed customer token
    goes in the `X-Customer-Token` header. A session continues only for the caller who started it."""
    state = app_state(request)
    message = body.message.strip()
    if not message:
        raise BadInput("the message is empty")
    limit = state.settings.limits.max_message_chars
    if len(message) > limit:
        raise BadInput(f"the message is longer than {limit} characters")
    caller = state.auth.caller(request)  # X-Customer-Token identifies a customer
    if body.contact and body.contact.strip():
        caller = caller.model_copy(update={"contact": body.contact.strip()})
    limiter = getattr(request.app.state, "session_limiter", None)  # installed by install_protections
    if body.session_id and limiter is not None:
        limiter.hit(body.session_id)  # RateLimited -> 429 with Retry-After
    api = state.api
    if not body.stream:
        return with_links(
            await state.in_worker(
                lambda: api.turn(message, caller, session_id=body.session_id, turn_key=body.request_id)
            )
        )
    first, queue, stop = await start_events(
        state.executor,
        lambda: api.stream_turn(message, caller, session_id=body.session_id, turn_key=body.request_id),
    )
    if isinstance(first, BaseException):
        raise first
    return EventSourceResponse(
        sse_events(first, queue, stop),
        ping=15,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post("/v1/feedback")
async def feedback(body: FeedbackRequest, request: Request) -> Any:
    """Thumbs up (1) or down (-1) on one turn of the caller's own session."""
    state = app_state(request)
    caller = state.auth.caller(request)
    await state.in_worker(
        lambda: state.api.add_feedback(caller, body.session_id, body.turn_id, body.rating, body.comment)
    )
    return {"ok": True}


@router.post("/v1/handoff")
async def handoff(body: HandoffRequest, request: Request) -> Any:
    """Ask for a person: the caller's own session is queued for the shop's staff with the contact given (needed
    unless the customer token identifies the customer)."""
    state = app_state(request)
    caller = state.auth.caller(request)
    handoff_id = await state.in_worker(
        lambda: state.api.request_handoff(caller, body.session_id, body.contact, body.reason)
    )
    return {"ok": True, "handoff_id": handoff_id}
