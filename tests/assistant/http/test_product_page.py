"""Product pages behind product citations (issue 24): the real demo catalog, the real visibility rule, the real app."""

from __future__ import annotations

import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from assistant import CitationOut, Reply
from assistant.citation_links import citation_link, cited_sentence, with_links
from assistant.http import create_app
from assistant.settings import REPO_ROOT, Settings
from tests.conftest import LOCAL_CLIENT
from tests.ui.fake_assistant import FakeAssistant

API_KEY = "product-page-key"
WEIGHT = "The Talus Mid weighs 1180 g for a pair in size 43 [1]."


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("products")
    demo = root / "demo"
    (demo / "internal").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "data" / "demo" / "catalog.csv", demo / "catalog.csv")
    (demo / "internal" / "prices.csv").write_text("sku,name,price,currency\nNEW-1,Secret Boot,99.00,EUR\n")
    settings = Settings(data_dir=root / "var", demo_dir=demo, marketer_api_keys=[API_KEY], _env_file=None)
    with TestClient(create_app(settings, FakeAssistant(settings)), **LOCAL_CLIENT) as c:
        yield c


def test_a_product_page_shows_the_product_and_highlights_the_cited_sentence(client: TestClient) -> None:
    page = client.get("/docs/products/FTW-001", params={"cite": "weighs 1180 g in size 43"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "<h1>Talus Mid Waterproof Hiking Boot (Men&#x27;s)</h1>" in text
    for fact in (
        "169.00 EUR",
        "In stock (34)",
        "40, 41, 42",
        "Slate, Moss",
        "1180 g",
        "Nubuck leather, Ripstop nylon",
    ):
        assert fact in text, fact
    assert '<mark id="cited">A pair in size 43 weighs 1180 g.</mark>' in text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "<mark" not in client.get("/docs/products/FTW-001").text  # no cite, nothing claimed
    # a sentence the product does not back is not pinned on any part of it
    assert (
        "<mark" not in client.get("/docs/products/FTW-001", params={"cite": "Free returns by courier"}).text
    )


def test_unknown_or_hidden_products_get_a_404_page(client: TestClient) -> None:
    missing = client.get("/docs/products/NOPE-999")
    assert missing.status_code == 404 and "Product not found" in missing.text
    assert client.get("/docs/products/..%2F..%2Fsecret").status_code == 404
    hidden = client.get("/docs/products/NEW-1", params={"source": "internal/prices.csv"})
    assert hidden.status_code == 404  # a customer may not read an internal catalog: same answer as none
    seen = client.get(
        "/docs/products/NEW-1",
        params={"source": "internal/prices.csv"},
        headers={"Authorization": f"Bearer {API_KEY}"},
    )
    assert seen.status_code == 200 and "Secret Boot" in seen.text
    assert seen.headers["cache-control"] == "private, no-store"
    assert client.get("/docs/products/FTW-001", params={"source": "policies/none.md"}).status_code == 404


def test_product_citations_link_to_the_product_page_and_policies_to_their_section() -> None:
    product = CitationOut(
        n=1, source="catalog.csv", title="Talus", anchor="FTW-001", url="/docs/catalog.csv#FTW-001"
    )
    policy = CitationOut(n=2, source="policies/returns.md", title="Returns", anchor="return-window")
    text = f"**Yes.** {WEIGHT} Returns are free within 30 days [2]."
    assert cited_sentence(text, 1) == "The Talus Mid weighs 1180 g for a pair in size 43."
    url = citation_link(product, text)
    parts = urlsplit(url)
    assert parts.path == "/docs/products/FTW-001" and parts.fragment == "cited"
    assert parse_qs(parts.query) == {"cite": ["The Talus Mid weighs 1180 g for a pair in size 43."]}
    assert citation_link(product) == "/docs/products/FTW-001"
    assert citation_link(policy, text) == "/docs/policies/returns.md#return-window"
    upload = CitationOut(n=1, source="uploads/extra.csv", title="X", anchor="X-1")
    assert parse_qs(urlsplit(citation_link(upload)).query) == {"source": ["uploads/extra.csv"]}
    reply = Reply(session_id="s", turn_id=1, text=text, citations=[product, policy])
    linked = with_links(reply)
    assert (
        linked.citations[0].url == url
        and linked.citations[1].url == "/docs/policies/returns.md#return-window"
    )
    assert reply.citations[0].url == "/docs/catalog.csv#FTW-001"  # the stored reply is left as it was


def test_the_link_a_reply_carries_opens_the_highlighted_product(client: TestClient) -> None:
    product = CitationOut(n=1, source="catalog.csv", title="Talus", anchor="FTW-001")
    page = client.get(citation_link(product, WEIGHT))
    assert page.status_code == 200 and '<mark id="cited">A pair in size 43 weighs 1180 g.</mark>' in page.text
