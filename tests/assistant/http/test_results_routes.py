"""The campaign-results routes over the real application API (SQLite, template drafts): a multipart upload of a
report, the results per variant, the simulated example report; marketer only, bad files a 400 naming the rows."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.settings import Settings
from tests.assistant.workspace.conftest import workspace_assistant

KEY = "results-route-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture
def client(tmp_path):
    from assistant.http import create_app

    settings = Settings(data_dir=tmp_path / "var", marketer_api_keys=[KEY], _env_file=None)
    with TestClient(create_app(settings, workspace_assistant(settings))) as client:
        yield client


def test_upload_a_report_and_read_the_results(client: TestClient) -> None:
    body = {"skus": ["FTW-005"], "channel": "meta", "variants": 2, "brief_id": "winter-trail-2026"}
    drafts = client.post("/v1/copy", json=body, headers=AUTH).json()["draft_ids"]
    example = client.get(
        "/v1/campaign-results/winter-trail-2026/example-report", params={"channel": "meta"}, headers=AUTH
    )
    assert example.status_code == 200 and "SIMULATED" in example.headers["content-disposition"]
    files = {"file": ("meta.csv", example.content, "text/csv")}
    assert client.post("/v1/campaign-results/imports", files=files).status_code in (401, 403)  # no key
    done = client.post("/v1/campaign-results/imports", files=files, headers=AUTH)
    assert done.status_code == 200 and done.json()["drafts"] == drafts
    again = client.post("/v1/campaign-results/imports", files=files, headers=AUTH)
    assert again.status_code == 400 and "imported already" in again.json()["error"]
    bad = {"file": ("bad.csv", b"Campaign name,Ad name,Impressions\nx,y,-3\n", "text/csv")}
    refused = client.post("/v1/campaign-results/imports", files=bad, headers=AUTH)
    assert refused.status_code == 400 and "Link clicks" in refused.json()["error"]

    results = client.get(
        "/v1/campaign-results", params={"q": "how did the winter campaign do?"}, headers=AUTH
    )
    assert results.status_code == 200
    (group,) = results.json()["groups"]
    assert [v["draft_id"] for v in group["variants"]] == drafts
    assert {"ctr", "conversion_rate", "p_best", "share"} <= set(group["variants"][0])
    assert client.get("/v1/campaign-results", headers={}).status_code in (401, 403)
