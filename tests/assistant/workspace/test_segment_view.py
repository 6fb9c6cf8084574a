"""One segment's recommendations through the application API and its HTTP route, on the demo shop trained as
`train_all` trains it: reasons in words and shares, what the segment buys beside the shop, marketers only, an unknown
segment a clear 404 (never another segment's list)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant import Caller, Forbidden, NotFound
from assistant.security import sign_customer
from assistant.settings import Settings
from tests.assistant.commerce.models.demo_models import demo_models
from tests.assistant.workspace.conftest import MARKETER, workspace_assistant

KEY = "segment-view-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "var", marketer_api_keys=[KEY], _env_file=None)


def test_a_marketer_sees_a_segment_s_recommendations_and_mix(settings: Settings) -> None:
    app = workspace_assistant(settings, models=demo_models())
    name = demo_models().segmenter.profiles()[0].name
    view = app.segment_view(MARKETER, name.upper(), 6)  # names compare loosely, as everywhere
    assert view.segment == name and view.size > 0 and 0 < view.share <= 1
    assert len(view.items) == 6 and all(
        item.name and "of this segment's customers" in item.reason for item in view.items
    )
    # how many of the segment each product is for: all of it, or (a durable) those who do not own it yet
    assert all(0 < item.customers <= view.size for item in view.items)
    assert all(("own it yet" in item.reason) == (item.customers < view.size) for item in view.items)
    assert view.categories and view.products
    assert sum(c.segment_share for c in view.categories) <= 1.0 + 1e-6
    top = view.categories[0]
    assert top.lift == pytest.approx(top.segment_share / top.shop_share, abs=0.01)
    with pytest.raises(NotFound, match="known"):
        app.segment_view(MARKETER, "Big spenders", 5)
    with pytest.raises(Forbidden):
        app.segment_view(Caller(role="customer", customer_id="C00001"), name, 5)


def test_the_route_answers_marketers_and_refuses_everyone_else(settings: Settings) -> None:
    from assistant.http import create_app

    app = workspace_assistant(settings, models=demo_models())
    name = demo_models().segmenter.profiles()[0].name
    with TestClient(create_app(settings, app)) as client:
        path = f"/v1/segments/{name}/recommendations"
        answer = client.get(path, params={"k": 3}, headers=AUTH)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["segment"] == name and len(body["items"]) == 3
        for item in body["items"]:
            assert item["customers"] > 0 and (
                "shop's average" in item["reason"] or "favourite" in item["reason"]
            )
        assert {"label", "segment_share", "shop_share", "lift"} <= set(body["categories"][0])
        unknown = client.get("/v1/segments/Big%20spenders/recommendations", headers=AUTH)
        assert unknown.status_code == 404 and "Big spenders" in unknown.json()["error"]
        assert client.get(path, params={"k": 0}, headers=AUTH).status_code == 422
        assert client.get(path).status_code == 401
        token = sign_customer("C00001", settings.widget_secret.get_secret_value())
        assert client.get(path, headers={"X-Customer-Token": token}).status_code == 403


def test_the_chat_shows_a_segment_s_picks_with_the_same_reasons(settings: Settings) -> None:
    from assistant.conversation.marketer_tables import recommended_table

    app = workspace_assistant(settings, models=demo_models())
    name = demo_models().segmenter.profiles()[0].name
    detail = app.call_tool(MARKETER, "segment_profile", {"segment": name})
    table = recommended_table(detail.recommended)
    head = table.splitlines()[0]
    assert "Customers" in head and "Why" in head
    assert table.count("of this segment's customers") == len(detail.recommended) > 0
    assert "share:" not in table and "monetary" not in table
