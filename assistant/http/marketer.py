"""Marketer routes: ad copy, recommendations, segments and document upload, each one tool (or action) of the
application API for the caller the request names (the policy refuses a customer)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import FileResponse

from assistant.conversation.reply import Caller
from assistant.errors import BadInput, Unauthorized
from assistant.http.auth import CUSTOMER_TOKEN_HEADER
from assistant.http.schemas import CopyCheckRequest, CopyRequest, PathName
from assistant.http.state import app_state, client_of, marketer_route_caller

router = APIRouter(tags=["marketer"])


async def _tool(request: Request, caller: Caller, name: str, args: dict[str, Any]) -> Any:
    state = app_state(request)
    result = await state.in_worker(lambda: state.api.call_tool(caller, name, args))
    return result.model_dump(mode="json") if hasattr(result, "model_dump") else result


@router.post("/v1/copy")
async def draft_copy(body: CopyRequest, request: Request) -> Any:
    """Ad-copy drafts for products on one channel (marketer only)."""
    args = body.model_dump(exclude_none=True, exclude_defaults=True)  # the tool's own defaults are the same
    return await _tool(request, marketer_route_caller(request), "draft_copy", {**args, "skus": body.skus})


@router.post("/v1/copy/check")
async def check_copy(body: CopyCheckRequest, request: Request) -> Any:
    """A copy request checked against the campaign briefs and the shop's data, before drafting (marketer only):
    the outcome (ok, questioned, refused, unknown_brief, ambiguous_brief, not_found) and the issues with reasons."""
    args = body.model_dump(exclude_none=True, exclude_defaults=True)
    return await _tool(request, marketer_route_caller(request), "check_copy_request", args)


@router.get("/v1/customers/{customer_id}/recommendations")
async def recommendations(customer_id: PathName, request: Request, k: int = 5) -> Any:
    """Recommended products with reasons: for a marketer, or for the customer themselves with a valid token in the
    `X-Customer-Token` header (never in the URL: URLs end up in access logs)."""
    if not 1 <= k <= 50:
        raise BadInput("k must be between 1 and 50")
    state = app_state(request)
    marketer = state.auth.marketer_from_request(request)
    if marketer is not None:
        caller = Caller(role="marketer", client=client_of(request), user=marketer.username)
    else:
        token = request.headers.get(CUSTOMER_TOKEN_HEADER)
        if not token:
            raise Unauthorized(
                "send a marketer API key, or the customer's own token in the X-Customer-Token header"
            )
        caller = Caller(role="customer", customer_id=state.auth.customer_id(token), client=client_of(request))
    return await _tool(request, caller, "recommend_products", {"customer_id": customer_id, "k": k})


@router.get("/v1/segments")
async def segments(request: Request) -> Any:
    """Every customer segment with its size and profile (marketer only)."""
    return await _tool(request, marketer_route_caller(request), "list_segments", {})


@router.get("/v1/segments/plot.png", response_class=FileResponse)
async def segments_plot(request: Request) -> FileResponse:
    """The segment plot (recency vs frequency by segment, segment sizes) drawn at training time (marketer only)."""
    state = app_state(request)
    path = state.api.segment_plot(marketer_route_caller(request))
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "no-store"})


@router.get("/v1/segments/{name}")
async def segment(name: PathName, request: Request) -> Any:
    """One segment's profile: size, RFM means, top categories (marketer only)."""
    return await _tool(request, marketer_route_caller(request), "segment_profile", {"segment": name})


@router.post("/v1/documents")
async def upload_document(request: Request, file: UploadFile = File(...)) -> Any:
    """Upload a document (Markdown, HTML, text, PDF, CSV or JSON catalog); it is saved and indexed at once."""
    state = app_state(request)
    caller = marketer_route_caller(request)
    data = await file.read(state.settings.limits.max_upload_bytes + 1)
    name = file.filename or ""
    result = await state.in_worker(lambda: state.api.upload_document(caller, name, data))
    return result.model_dump(mode="json")
