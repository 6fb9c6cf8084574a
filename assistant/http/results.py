"""Campaign-results routes (marketer only): import an ad platform's report (multipart upload, like documents), read a
campaign's results per variant, and a simulated example report for a brief's drafts. Each calls one method of the
application API, which runs the marketer tools through the role policy."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import Response

from assistant.http.schemas import PathName
from assistant.http.state import app_state
from assistant.http.workspace import _file, _marketer, _run

router = APIRouter(tags=["campaign results"])


@router.post("/v1/campaign-results/imports")
async def import_report(request: Request, file: UploadFile = File(...)) -> Any:
    """Import a Google Ads or Meta Ads Manager ad report (CSV). Every row is tied to its draft and checked first; a
    bad file is a 400 naming each bad row, and nothing of it is stored. The same file twice is refused."""
    state = app_state(request)
    caller = _marketer(request)
    data = await file.read(state.settings.limits.max_upload_bytes + 1)
    name = file.filename or "report.csv"
    return await _run(request, lambda: state.api.import_campaign_report(caller, name, data))


@router.get("/v1/campaign-results")
async def campaign_results(
    request: Request,
    brief: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[str, Query(max_length=500, description="A question naming the campaign.")] = "",
) -> Any:
    """A campaign's results per ad group: each variant's CTR and conversion-rate posteriors (Beta, 95% credible
    intervals), its probability of being best and the recommended budget share; without `brief` or `q`, the one
    campaign with results (or the ones to choose from)."""
    caller, api = _marketer(request), app_state(request).api
    return await _run(request, lambda: api.campaign_results(caller, brief, q))


@router.get("/v1/campaign-results/{brief_id}/example-report")
async def example_report(
    brief_id: PathName, request: Request, channel: Literal["google-rsa", "meta"] = "google-rsa"
) -> Response:
    """A report in the platform's layout for the brief's drafts with SIMULATED figures, to try the import with."""
    caller, api = _marketer(request), app_state(request).api
    return _file(
        await app_state(request).in_worker(lambda: api.example_campaign_report(caller, brief_id, channel))
    )
