"""Workspace routes: stored drafts (list, open, check and edit a line, approve, reject, more like this), exports of what
is approved, the handoff inbox for a help desk (pull, assign, reply, close), the staff replies a customer's widget
polls, insights, and one segment's recommendations. Each calls one method of the application API, which checks the
role policy."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import Field

from assistant.conversation.reply import Caller
from assistant.http.schemas import PathName, Text
from assistant.http.schemas import Request as Body
from assistant.http.state import app_state, marketer_route_caller
from assistant.workspace.drafts import UNSET
from assistant.workspace.types import ExportFile

router = APIRouter(tags=["workspace"])

# A record id the database can hold: a larger number is a 422, not an integer overflow inside the driver.
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The record's id.")]
SessionIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class LineEdit(Body):
    field: Text = Field(
        description="The channel's field: headlines, descriptions, primary_text, subject, text, ..."
    )
    position: int = Field(
        default=1, ge=1, le=50, description="1-based line of the field; count + 1 adds a line."
    )
    text: Text = Field(max_length=2000, description="The new text; empty removes the line.")
    pin: int | None = Field(
        default=None, ge=1, le=3, description="RSA: pin to this position (headlines 1-3)."
    )
    set_pin: bool = Field(
        default=False, description="Change the pin (to `pin`, or none) as well as the text."
    )
    seen_version: int | None = Field(
        default=None, ge=0, le=2**63 - 1, description="The version edited; refused if it changed since."
    )


class LineText(Body):
    field: Text
    text: Text = Field(max_length=2000)


class Decision(Body):
    status: Literal["approved", "rejected", "draft"]
    note: Text | None = Field(default=None, max_length=2000)


class MoreLikeThis(Body):
    field: Text
    position: int = Field(default=1, ge=1, le=50)
    variants: int = Field(default=2, ge=1, le=5)


class Assignment(Body):
    assignee: Text | None = Field(
        default=None, max_length=100, description="Omit to take the request yourself."
    )


class StaffText(Body):
    text: Text = Field(min_length=1, max_length=4000)


def _marketer(request: Request) -> Caller:
    """The marketer behind the request, with their login name (what records keep as who did it)."""
    caller = marketer_route_caller(request)
    marketer = app_state(request).auth.marketer_from_request(request)
    return caller.model_copy(update={"user": marketer.username}) if marketer else caller


async def _run(request: Request, fn: Any) -> Any:
    result = await app_state(request).in_worker(fn)
    if isinstance(result, list):
        return [r.model_dump(mode="json") if hasattr(r, "model_dump") else r for r in result]
    return result.model_dump(mode="json") if hasattr(result, "model_dump") else result


def _file(export: ExportFile) -> Response:
    return Response(
        export.content,
        media_type=export.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{export.filename}"',
            "Cache-Control": "no-store",
        },
    )


# -- drafts -----------------------------------------------------------------------------------------------------------
@router.get("/v1/drafts")
async def list_drafts(
    request: Request, brief_id: str | None = None, channel: str | None = None, status: str | None = None
) -> Any:
    """Stored drafts, newest first, filtered by brief ("none": without one), channel and status (marketer only)."""
    caller, api = _marketer(request), app_state(request).api
    return await _run(request, lambda: api.list_drafts(caller, brief_id, channel, status))


@router.get("/v1/drafts/{draft_id}")
async def get_draft(draft_id: RecordId, request: Request) -> Any:
    """One draft: every line with its character count, source, backing facts, pin and problems; every version."""
    caller, api = _marketer(request), app_state(request).api
    return await _run(request, lambda: api.get_draft(caller, draft_id))


@router.get("/v1/drafts/{draft_id}/variants")
async def draft_variants(draft_id: RecordId, request: Request) -> Any:
    """The variants drafted together with this one, with their angles."""
    caller, api = _marketer(request), app_state(request).api
    return await _run(request, lambda: api.draft_variants(caller, draft_id))


@router.post("/v1/drafts/{draft_id}/check")
async def check_line(draft_id: RecordId, body: LineText, request: Request) -> Any:
    """Check a line under the draft's rules (the same as generation's) without saving it."""
    caller, api = _marketer(request), app_state(request).api
    return await _run(request, lambda: api.check_draft_line(caller, draft_id, body.field, body.text))


@router.post("/v1/drafts/{draft_id}/lines")
async def edit_line(draft_id: RecordId, body: LineEdit, request: Request) -> Any:
    """Save a line as the draft's next version (an approved draft goes back to review)."""
    caller, api = _marketer(request), app_state(request).api
    pin = body.pin if body.set_pin else UNSET
    return await _run(
        request,
        lambda: api.edit_draft_line(
            caller, draft_id, body.field, body.position, body.text, pin=pin, seen_version=body.seen_version
        ),
    )


@router.post("/v1/drafts/{draft_id}/decision")
async def decide(draft_id: RecordId, body: Decision, request: Request) -> Any:
    """Approve (refused while a line breaks a rule), reject, or send back to draft; who and when are kept."""
    caller, api = _marketer(request), app_state(request).api
    return await _run(request, lambda: api.decide_draft(caller, draft_id, body.status, body.note))


@router.post("/v1/drafts/{draft_id}/more-like-this")
async def more_like_this(draft_id: RecordId, body: MoreLikeThis, request: Request) -> Any:
    """Draft again from one line: new stored drafts whose lines are closest to it."""
    caller, api = _marketer(request), app_state(request).api
    return await _run(
        request, lambda: api.more_like_this(caller, draft_id, body.field, body.position, body.variants)
    )


@router.get("/v1/exports/{brief_id}")
async def export(brief_id: PathName, request: Request, channel: str | None = None) -> Response:
    """The approved drafts of a brief ("none": without one): Google Ads Editor CSV (google-rsa), Meta bulk-upload CSV
    (meta), e-mail, SMS or X CSV; without `channel`, a ZIP with one file per channel."""
    caller, api = _marketer(request), app_state(request).api
    return _file(await app_state(request).in_worker(lambda: api.export_drafts(caller, brief_id, channel)))


# -- the handoff inbox ------------------------------------------------------------------------------------------------
@router.get("/v1/handoffs")
async def inbox(request: Request, status: str = "open") -> Any:
    """Handoff requests for a help desk: "open" (the default), "assigned", "closed" or "all"; newest first."""
    caller, api = _marketer(request), app_state(request).api
    return await _run(request, lambda: api.inbox(caller, status))


@router.get("/v1/handoffs/{handoff_id}")
async def inbox_item(handoff_id: RecordId, request: Request) -> Any:
    """One request with the customer's contact and the conversation's transcript."""
    caller, api = _marketer(request), app_state(request).api
    return await _run(request, lambda: api.inbox_item(caller, handoff_id))


@router.post("/v1/handoffs/{handoff_id}/assign")
async def assign(handoff_id: RecordId, body: Assignment, request: Request) -> Any:
    caller, api = _marketer(request), app_state(request).api
    return await _run(request, lambda: api.assign_handoff(caller, handoff_id, body.assignee))


@router.post("/v1/handoffs/{handoff_id}/reply")
async def reply(handoff_id: RecordId, body: StaffText, request: Request) -> Any:
    """Answer the customer: their widget shows the reply on its next poll or page load."""
    caller, api = _marketer(request), app_state(request).api
    return await _run(request, lambda: api.reply_handoff(caller, handoff_id, body.text))


@router.post("/v1/handoffs/{handoff_id}/close")
async def close(handoff_id: RecordId, request: Request) -> Any:
    caller, api = _marketer(request), app_state(request).api
    return await _run(request, lambda: api.close_handoff(caller, handoff_id))


@router.get("/v1/sessions/{session_id}/replies")
async def staff_replies(
    session_id: SessionIdPath, request: Request, after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0
) -> Any:
    """The staff's replies in this conversation with an id above `after` (the widget polls this); the customer's
    token goes in the X-Customer-Token header."""
    state = app_state(request)
    caller = state.auth.caller(request)
    replies = await _run(request, lambda: state.api.staff_replies(caller, session_id, max(0, after)))
    return {"replies": replies}


# -- insights ---------------------------------------------------------------------------------------------------------
@router.get("/v1/insights")
async def insights(request: Request) -> Any:
    """Unanswered and thumbs-down customer questions, grouped by similarity, with the documents that came closest."""
    caller, api = _marketer(request), app_state(request).api
    return await _run(request, lambda: api.insights(caller))


@router.get("/v1/insights.csv")
async def insights_csv(request: Request) -> Response:
    caller, api = _marketer(request), app_state(request).api
    return _file(await app_state(request).in_worker(lambda: api.insights_csv(caller)))


# -- segments ---------------------------------------------------------------------------------------------------------
@router.get("/v1/segments/{name}/recommendations")
async def segment_recommendations(
    name: PathName, request: Request, k: Annotated[int, Query(ge=1, le=20)] = 10
) -> Any:
    """One segment's top recommendations with reasons, and the categories and products it buys beside the whole
    shop (marketer only; an unknown segment is a 404 naming the known ones)."""
    caller, api = _marketer(request), app_state(request).api
    return await _run(request, lambda: api.segment_view(caller, name, k))
