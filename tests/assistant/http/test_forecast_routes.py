"""The demand routes over the real application API (demo shop in real SQLite, real catalog): answers for a marketer's
key, 401 for nobody, 403 for a customer, 404 for unknown names, 400 for horizons out of range, 422 for a bad level."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant.security import sign_customer
from assistant.settings import Settings
from tests.assistant.commerce.forecast.demo_store import demo_store
from tests.assistant.fakes import FakeKB, demo_hits
from tests.assistant.workspace.conftest import workspace_assistant

# the demo shop's store is built once per process (demo_store): one xdist worker builds it for all of these
pytestmark = pytest.mark.xdist_group("demand-shop")

KEY = "forecast-route-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from assistant.http import create_app

    _, url = demo_store()
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("var"),
        database_url=url,
        marketer_api_keys=[KEY],
        forecast={"model": "seasonal_naive"},  # fast; the forecaster contract tests cover ETS
        _env_file=None,
    )
    app = workspace_assistant(settings, kb=FakeKB(demo_hits()))  # the real catalog; no index or model to load
    with TestClient(create_app(settings, app)) as client:
        client.app_under_test = app  # type: ignore[attr-defined]
        yield client


def test_a_marketer_gets_forecasts_trends_and_stock_risks(client: TestClient) -> None:
    top = client.get("/v1/forecast", params={"horizon_weeks": 4, "top": 3}, headers=AUTH)
    assert top.status_code == 200, top.text
    body = top.json()
    assert body["horizon_weeks"] == 4 and len(body["items"]) == 3
    assert {"mean", "lower", "upper"} <= set(body["items"][0]["units"])
    products = client.get(
        "/v1/forecast", params={"level": "product", "category": "Tents"}, headers=AUTH
    ).json()
    assert products["items"] and all(i["category"] == "Tents" for i in products["items"])
    rising = client.get("/v1/forecast/rising", headers=AUTH).json()
    assert rising["weeks"] == 4 and len(rising["categories"]) == 13
    stock = client.get("/v1/forecast/stockouts", params={"horizon_weeks": 8}, headers=AUTH).json()
    assert any(r["sku"] == "HYD-005" for r in stock["items"])
    series = client.get("/v1/forecast/product/FTW-001", params={"horizon_weeks": 3}, headers=AUTH).json()
    assert series["key"] == "FTW-001" and len(series["forecast"]) == 3 and series["history"]


def test_bad_input_gets_a_clear_4xx(client: TestClient) -> None:
    unknown = client.get("/v1/forecast/category/Spaceships", headers=AUTH)
    assert unknown.status_code == 404 and "known categories" in unknown.json()["error"]
    assert client.get("/v1/forecast/product/NOPE-1", headers=AUTH).status_code == 404
    for params in ({"horizon_weeks": 0}, {"horizon_weeks": 99}, {"level": "brand"}, {"category": "Mars"}):
        response = client.get("/v1/forecast", params=params, headers=AUTH)
        assert response.status_code in (400, 404), (params, response.text)
    too_long = client.get("/v1/forecast", params={"horizon_weeks": 99}, headers=AUTH)
    assert too_long.status_code == 400 and "between 1 and 26" in too_long.json()["error"]
    assert client.get("/v1/forecast/brand/x", headers=AUTH).status_code == 422
    assert client.get("/v1/forecast", params={"horizon_weeks": "soon"}, headers=AUTH).status_code == 422


def test_customers_and_strangers_are_refused(client: TestClient) -> None:
    token = sign_customer("C00001", client.app_under_test.settings.widget_secret.get_secret_value())
    for path in (
        "/v1/forecast",
        "/v1/forecast/rising",
        "/v1/forecast/stockouts",
        "/v1/forecast/category/Tents",
    ):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers={"X-Customer-Token": token}).status_code == 403, path
