"""The review tools over the real application API (real SQLite, the demo catalog, the lexicon model): what customers
say about the Talus boot, which products draw sizing complaints, themes, imports; the role policy on every one, and
the HTTP routes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from assistant import Caller, Forbidden
from assistant.settings import Settings
from tests.assistant.fakes import FakeKB, demo_hits
from tests.assistant.reviews.conftest import csv_bytes
from tests.assistant.workspace.conftest import workspace_assistant

KEY = "review-route-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
MARKETER = Caller(role="marketer", user="mia")
CUSTOMER = Caller(role="customer")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var", marketer_api_keys=[KEY], reviews_sentiment="lexicon", _env_file=None
    )


@pytest.fixture
def app(settings):
    app = workspace_assistant(settings, kb=FakeKB(demo_hits()))
    app.call_tool(MARKETER, "import_reviews", {"filename": "reviews.csv", "content": csv_bytes().decode()})
    return app


def _stored_ids(app) -> set[int]:
    from sqlalchemy import text

    with app.store.engine.connect() as conn:
        return set(conn.execute(text("SELECT id FROM product_reviews")).scalars())


def test_what_customers_say_about_the_talus_boot(app) -> None:
    summary = app.call_tool(
        MARKETER, "review_summary", {"product": "what do customers say about the Talus boot?"}
    )
    assert {"FTW-001", "FTW-002"} <= set(summary.skus) and summary.name.startswith("Talus")
    assert summary.reviews == 5 and summary.ratings == {1: 1, 2: 1, 3: 1, 5: 2}
    fit = next(a for a in summary.aspects if a.aspect == "fit")
    assert (fit.negative, fit.positive) == (3, 1) and fit.label == "Fit and sizing"
    assert summary.aspects[0].aspect == "fit"  # the most mentioned first
    assert {q.review_id for a in summary.aspects for q in a.quotes} <= _stored_ids(app)  # cited by real ids
    complaint = next(q for q in fit.quotes if q.polarity == "negative")
    assert complaint.rating <= 3 and complaint.text in {
        "Runs small, I had to size up and exchange them.",
        "Far too tight even in my usual size 44, sent them back.",
        "Fällt klein aus, eine Nummer größer nehmen.",
    }
    german = app.call_tool(
        MARKETER, "review_summary", {"product": "FTW-001", "aspect": "Passform", "language": "de"}
    )
    assert [a.label for a in german.aspects] == ["Passform und Größe"] and german.asked_aspect == "fit"
    assert german.aspects[0].quotes[0].language == "de"  # the asker's language first


def test_which_products_have_the_most_sizing_complaints(app) -> None:
    ranking = app.call_tool(MARKETER, "review_complaints", {"aspect": "sizing"})
    assert ranking.aspect == "fit" and ranking.products[0].sku == "FTW-001"
    assert ranking.products[0].complaints == 3 and ranking.products[0].reviews == 4
    assert all(q.polarity == "negative" for q in ranking.products[0].quotes)
    waterproofing = app.call_tool(MARKETER, "review_complaints", {"aspect": "wasserdicht"})
    assert [p.sku for p in waterproofing.products] == ["FTW-003"]
    themes = app.call_tool(MARKETER, "review_themes", {})
    assert themes.reviews == 7 and themes.themes[0].aspect == "fit"
    assert "Talus Mid Waterproof Hiking Boot (Men's)" in themes.themes[0].top_complained


def test_customers_get_the_summary_only_and_no_contact_details(app) -> None:
    summary = app.call_tool(CUSTOMER, "review_summary", {"product": "Talus Mid (Men's)", "aspect": "fit"})
    quotes = [q for a in summary.aspects for q in a.quotes]
    assert quotes and len(quotes) <= 2 and len({q.polarity for q in quotes}) == len(quotes)
    everything = app.call_tool(CUSTOMER, "review_summary", {"product": "FTW-001"})
    texts = " ".join(q.text for a in everything.aspects for q in a.quotes)
    assert "@" not in texts  # "Mail me at hiker@example.com" never reaches anyone
    for name, args in (
        ("review_complaints", {"aspect": "fit"}),
        ("review_themes", {}),
        ("import_reviews", {"filename": "r.csv", "content": "sku"}),
    ):
        with pytest.raises(Forbidden):
            app.call_tool(CUSTOMER, name, args)


def test_unknown_products_and_aspects_are_clear_errors(app) -> None:
    from assistant import BadInput, NotFound

    with pytest.raises(NotFound, match="no product"):
        app.call_tool(MARKETER, "review_summary", {"product": "the flux capacitor"})
    with pytest.raises(BadInput, match="unknown aspect 'banana'"):
        app.call_tool(MARKETER, "review_complaints", {"aspect": "banana"})


def test_the_http_routes(settings) -> None:
    from assistant.http import create_app

    app = workspace_assistant(settings, kb=FakeKB(demo_hits()))
    client = TestClient(create_app(settings, app))  # no lifespan: the warm-up would load the router's models
    bad = csv_bytes([("X1", "NOPE-1", "9", "A review of a product that does not exist.", "2026-01-01", "en")])
    refused = client.post("/v1/reviews", files={"file": ("r.csv", bad, "text/csv")}, headers=AUTH)
    assert refused.status_code == 400 and "row 2: unknown SKU 'NOPE-1'" in refused.json()["error"]
    anonymous = client.post("/v1/reviews", files={"file": ("r.csv", csv_bytes(), "text/csv")})
    assert anonymous.status_code == 401
    done = client.post("/v1/reviews", files={"file": ("r.csv", csv_bytes(), "text/csv")}, headers=AUTH)
    assert done.status_code == 200 and done.json()["rows"] == 7
    ranked = client.get("/v1/reviews/complaints", params={"aspect": "sizing"}, headers=AUTH).json()
    assert ranked["products"][0]["sku"] == "FTW-001"
    assert client.get("/v1/reviews/complaints", params={"aspect": "sizing"}).status_code == 401
    public = client.get("/v1/reviews/summary", params={"product": "Talus Mid (Men's)", "aspect": "fit"})
    assert public.status_code == 200 and public.json()["aspects"][0]["negative"] == 3
    themes = client.get("/v1/reviews/themes", headers=AUTH).json()
    assert themes["reviews"] == 7 and themes["themes"][0]["aspect"] == "fit"
