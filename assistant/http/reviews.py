"""Review routes: import a file of reviews, what customers say about a product, complaints by aspect, the themes.

Each calls one tool of the application API, which checks the role policy: the summary is open to customers (with or
without their widget token: it holds aggregates and short quotes only), everything else is for marketers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile

from assistant.conversation.reply import Caller
from assistant.errors import BadInput
from assistant.http.auth import CUSTOMER_TOKEN_HEADER
from assistant.http.state import app_state, client_of, marketer_route_caller

router = APIRouter(tags=["reviews"])
Word = Annotated[str, Query(min_length=1, max_length=200)]
MaybeWord = Annotated[str | None, Query(min_length=1, max_length=200)]


async def _tool(request: Request, caller: Caller, name: str, args: dict[str, Any]) -> Any:
    state = app_state(request)
    result = await state.in_worker(lambda: state.api.call_tool(caller, name, args))
    return result.model_dump(mode="json")


def _any_caller(request: Request) -> Caller:
    """A marketer when logged in; otherwise a customer (identified by their token when they send one)."""
    state = app_state(request)
    marketer = state.auth.marketer_from_request(request)
    if marketer is not None:
        return Caller(role="marketer", client=client_of(request), user=marketer.username)
    token = request.headers.get(CUSTOMER_TOKEN_HEADER)
    customer = state.auth.customer_id(token) if token else None
    return Caller(role="customer", customer_id=customer, client=client_of(request))


@router.get("/v1/reviews/summary")
async def review_summary(
    request: Request,
    product: Word,
    aspect: MaybeWord = None,
    language: str = Query("en", pattern="^(en|de)$"),
) -> Any:
    """What customers say about a product (name or SKU): ratings, aspects with sentiment counts and cited quotes.
    Customers get aggregates and at most one praise and one complaint per aspect."""
    args = {"product": product, "aspect": aspect, "language": language}
    return await _tool(request, _any_caller(request), "review_summary", args)


@router.get("/v1/reviews/complaints")
async def review_complaints(
    request: Request, aspect: Word, limit: int = Query(10, ge=1, le=50), category: MaybeWord = None
) -> Any:
    """Products ranked by complaints about one aspect ("sizing", "waterproofing") (marketer only)."""
    args = {"aspect": aspect, "limit": limit, "category": category}
    return await _tool(request, marketer_route_caller(request), "review_complaints", args)


@router.get("/v1/reviews/themes")
async def review_themes(request: Request, category: MaybeWord = None) -> Any:
    """Every aspect's praise, neutral mentions and complaints across the shop or one category (marketer only)."""
    return await _tool(request, marketer_route_caller(request), "review_themes", {"category": category})


@router.post("/v1/reviews")
async def import_reviews(request: Request, file: UploadFile = File(...)) -> Any:
    """Import reviews from a CSV or JSON file (sku, rating, text, date, language; optional review_id). A file with a
    bad row is refused whole (400, each bad row named) and nothing is stored (marketer only)."""
    state = app_state(request)
    caller = marketer_route_caller(request)
    data = await file.read(state.settings.limits.max_upload_bytes + 1)
    if len(data) > state.settings.limits.max_upload_bytes:
        raise BadInput(f"the file is over the {state.settings.limits.max_upload_bytes:,}-byte upload limit")
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{file.filename}: not UTF-8 text ({exc.reason})") from exc
    args = {"filename": file.filename or "", "content": content}
    return await _tool(request, caller, "import_reviews", args)
