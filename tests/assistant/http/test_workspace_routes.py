"""The workspace's HTTP routes over the real application API (real SQLite, demo catalog, template drafting): drafts,
exports, the help-desk inbox, the widget's staff replies, insights; marketer keys, customer tokens, clear errors."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from assistant.security import sign_customer
from assistant.settings import Settings
from tests.assistant.fakes import FakeKB, demo_hits
from tests.assistant.workspace.conftest import workspace_assistant

KEY = "workspace-route-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture
def client(tmp_path):
    from assistant.http import create_app

    settings = Settings(data_dir=tmp_path / "var", marketer_api_keys=[KEY], _env_file=None)
    app = workspace_assistant(settings, kb=FakeKB(demo_hits()))
    with TestClient(create_app(settings, app)) as client:
        client.app_under_test = app  # type: ignore[attr-defined]
        yield client


def _draft(client: TestClient, channel: str = "google-rsa", **extra) -> list[int]:
    body = {"skus": ["FTW-005"], "channel": channel, "variants": 1, **extra}
    response = client.post("/v1/copy", json=body, headers=AUTH)
    assert response.status_code == 200, response.text
    return response.json()["draft_ids"]


def test_draft_edit_approve_export_over_http(client: TestClient) -> None:
    (draft_id,) = _draft(client, brief_id="winter-trail-2026")
    listed = client.get("/v1/drafts", params={"brief_id": "winter-trail-2026"}, headers=AUTH).json()
    # /v1/copy names its caller by role (its router does not pass the login name on); the workspace routes do
    assert [d["draft_id"] for d in listed] == [draft_id] and listed[0][
        "asked_by"
    ] == "api-key"  # who: the API key (a login names its user)
    draft = client.get(f"/v1/drafts/{draft_id}", headers=AUTH).json()
    line = draft["lines"][0]
    assert {"text", "chars", "max_chars", "source", "backing", "pin", "problems", "label"} <= set(line)

    check = client.post(
        f"/v1/drafts/{draft_id}/check", json={"field": "headlines", "text": "x" * 31}, headers=AUTH
    )
    assert check.status_code == 200 and "31 chars > 30" in check.json()["problems"]
    bad = {"field": "headlines", "position": 1, "text": "Cheap boots", "seen_version": 1}
    assert client.post(f"/v1/drafts/{draft_id}/lines", json=bad, headers=AUTH).json()["version"] == 2
    refused = client.post(f"/v1/drafts/{draft_id}/decision", json={"status": "approved"}, headers=AUTH)
    assert refused.status_code == 400 and "cannot be approved" in refused.json()["error"]
    good = {"field": "headlines", "position": 1, "text": line["text"], "pin": 1, "set_pin": True}
    assert client.post(f"/v1/drafts/{draft_id}/lines", json=good, headers=AUTH).json()["lines"][0]["pin"] == 1
    approved = client.post(f"/v1/drafts/{draft_id}/decision", json={"status": "approved"}, headers=AUTH)
    assert approved.status_code == 200 and approved.json()["decided_by"] == "api-key"

    unset = client.get("/v1/exports/winter-trail-2026", params={"channel": "google-rsa"}, headers=AUTH)
    assert unset.status_code == 409 and "MKA_SHOP_URL" in unset.json()["error"]  # no made-up shop address
    client.app_under_test.settings.shop_url = "https://www.kestrel-ridge.test"
    export = client.get("/v1/exports/winter-trail-2026", params={"channel": "google-rsa"}, headers=AUTH)
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert 'filename="winter-trail-2026-google-ads-editor.csv"' in export.headers["content-disposition"]
    (row,) = list(csv.DictReader(io.StringIO(export.text)))
    assert row["Headline 1"] == line["text"] and row["Headline 1 position"] == "1"
    assert row["Final URL"].startswith("https://www.kestrel-ridge.test/products/")
    zipped = client.get("/v1/exports/winter-trail-2026", headers=AUTH)
    assert zipped.headers["content-type"] == "application/zip" and zipped.content[:2] == b"PK"
    more = client.post(
        f"/v1/drafts/{draft_id}/more-like-this", json={"field": "headlines", "position": 1}, headers=AUTH
    )
    assert more.status_code == 200 and len(more.json()) == 2


def test_bad_input_gets_a_clear_4xx(client: TestClient) -> None:
    unknown_segment = client.post(
        "/v1/copy", json={"skus": ["FTW-001"], "channel": "sms", "segment": "Loyal"}, headers=AUTH
    )
    assert (
        unknown_segment.status_code == 400
        and "choose one of: Champions, At risk, New" in unknown_segment.json()["error"]
    )
    unknown_brief = client.get("/v1/exports/spring-sale", headers=AUTH)
    assert unknown_brief.status_code == 400 and "winter-trail-2026" in unknown_brief.json()["error"]
    assert (
        client.get("/v1/exports/winter-trail-2026", headers=AUTH).status_code == 404
    )  # nothing approved yet
    assert client.get("/v1/drafts/12345", headers=AUTH).status_code == 404
    assert client.get("/v1/drafts", params={"status": "pending"}, headers=AUTH).status_code == 400
    (draft_id,) = _draft(client)
    pin = {"field": "headlines", "position": 1, "text": "x", "pin": 9, "set_pin": True}
    assert client.post(f"/v1/drafts/{draft_id}/lines", json=pin, headers=AUTH).status_code == 422
    assert client.get("/v1/handoffs", params={"status": "later"}, headers=AUTH).status_code == 400


def test_marketer_routes_refuse_customers_and_strangers(client: TestClient) -> None:
    token = sign_customer("C00001", client.app_under_test.settings.widget_secret.get_secret_value())
    for path in ("/v1/drafts", "/v1/handoffs", "/v1/insights", "/v1/insights.csv", "/v1/exports/none"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers={"X-Customer-Token": token}).status_code == 403, path


def test_help_desk_pulls_replies_and_the_widget_reads_them(client: TestClient) -> None:
    app = client.app_under_test
    token = sign_customer("C00003", app.settings.widget_secret.get_secret_value())
    sid = app.store.create_session("customer", "C00003")
    app.store.add_turn(sid, message="Where is my parcel?", reply="Let me find a person for you.")
    # the widget's handoff form: the request lands in the inbox (folded with the chat's own request, if any)
    created = client.post(
        "/v1/handoff",
        json={"session_id": sid, "contact": "gus@example.com"},
        headers={"X-Customer-Token": token},
    )
    assert created.status_code == 200
    hid = created.json()["handoff_id"]

    pulled = client.get("/v1/handoffs", headers=AUTH).json()
    assert pulled["total"] == 1 and pulled["next_offset"] is None
    assert [(h["handoff_id"], h["contact"], h["status"]) for h in pulled["items"]] == [
        (hid, "gus@example.com", "open")
    ]
    item = client.get(f"/v1/handoffs/{hid}", headers=AUTH).json()
    assert [m["role"] for m in item["transcript"]] == ["customer", "assistant"]
    assert client.post(f"/v1/handoffs/{hid}/assign", json={}, headers=AUTH).json()["assignee"] == "api-key"
    sent = client.post(f"/v1/handoffs/{hid}/reply", json={"text": "It left our depot today."}, headers=AUTH)
    assert sent.status_code == 200

    widget = client.get(f"/v1/sessions/{sid}/replies", headers={"X-Customer-Token": token})
    assert [r["text"] for r in widget.json()["replies"]] == ["It left our depot today."]
    after = widget.json()["replies"][0]["reply_id"]
    assert client.get(
        f"/v1/sessions/{sid}/replies", params={"after": after}, headers={"X-Customer-Token": token}
    ).json() == {"replies": []}
    in_url = client.get(f"/v1/sessions/{sid}/replies", params={"customer_token": token})
    assert in_url.status_code == 400  # tokens only in the header (issue 12)
    assert client.get(f"/v1/sessions/{sid}/replies").status_code == 403  # anonymous is not C00003
    assert client.post(f"/v1/handoffs/{hid}/close", headers=AUTH).json()["status"] == "closed"
    assert client.get("/v1/handoffs", headers=AUTH).json()["items"] == []


def test_insights_as_json_and_csv(client: TestClient) -> None:
    from assistant.conversation.reply import ToolCallRecord

    app = client.app_under_test
    sid = app.store.create_session("customer")
    app.store.add_turn(
        sid,
        message="Can I pay with bitcoin?",
        reply="I could not find this in our help pages.",
        tool_calls=[ToolCallRecord(name="search_docs", arguments={}, result={"query": "", "hits": []})],
    )
    groups = client.get("/v1/insights", headers=AUTH).json()["groups"]
    assert groups[0]["question"] == "Can I pay with bitcoin?" and groups[0]["unanswered"] == 1
    exported = client.get("/v1/insights.csv", headers=AUTH)
    assert exported.status_code == 200 and "Can I pay with bitcoin?" in exported.text
    assert 'filename="unanswered-questions.csv"' in exported.headers["content-disposition"]


def test_the_help_desk_pages_through_the_inbox(client: TestClient) -> None:
    app = client.app_under_test
    sessions = [app.store.create_session("customer", None) for _ in range(3)]
    ids = [
        app.store.add_handoff(sid, f"c{n}@example.com", "asked for a person")
        for n, sid in enumerate(sessions)
    ]
    first = client.get("/v1/handoffs", params={"limit": 2}, headers=AUTH).json()
    assert [h["handoff_id"] for h in first["items"]] == ids[:0:-1]
    assert (first["total"], first["offset"], first["next_offset"]) == (3, 0, 2)
    rest = client.get("/v1/handoffs", params={"limit": 2, "offset": 2}, headers=AUTH).json()
    assert [h["handoff_id"] for h in rest["items"]] == [ids[0]] and rest["next_offset"] is None
    oldest = client.get("/v1/handoffs", params={"limit": 1, "oldest_first": "true"}, headers=AUTH).json()
    assert [h["handoff_id"] for h in oldest["items"]] == [ids[0]]
    for bad in ({"limit": 0}, {"limit": 201}, {"offset": -1}, {"limit": "many"}):
        assert client.get("/v1/handoffs", params=bad, headers=AUTH).status_code == 422, bad
