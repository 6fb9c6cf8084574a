"""Product URLs: the catalog's `url` column (a path on the shop's site or an absolute http(s) URL) is checked on import
with the line and column named; the shop's address comes from MKA_SHOP_URL (no default), and a path becomes a link only
under it."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.commerce.catalog import Catalog
from assistant.commerce.imports import import_products
from assistant.commerce.urls import absolute_url, slug, url_problem
from assistant.errors import BadInput, NotConfigured
from assistant.settings import REPO_ROOT, Settings
from assistant.storage.db import get_engine

HEADER = "sku,name,url,category,price,currency,stock,description\n"


def _catalog(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "catalog.csv"
    path.write_text(
        HEADER
        + "AAA-1,Trail Boot,/products/trail-boot,Footwear,99.00,EUR,3,A boot.\n"
        + f"AAA-2,Camp Mug,{url},Camping,9.00,EUR,5,A mug.\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "url",
    ["/products/camp-mug", "https://www.my-shop.at/p/camp-mug?colour=red", "http://shop.local/x", ""],
)
def test_a_path_an_absolute_url_or_nothing_is_a_product_url(tmp_path: Path, url: str) -> None:
    assert Catalog.from_csv(_catalog(tmp_path, url)).get("AAA-2").url == url


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("products/camp-mug", "neither a path"),
        ("ftp://files.my-shop.at/mug", "neither a path"),
        ("javascript:alert(1)", "neither a path"),
        ("//cdn.my-shop.at/mug", "starts with '//'"),
        ("https:///mug", "no host"),
        ("/products/camp mug", "space"),
        ('/products/"mug"', "escape"),
    ],
)
def test_a_bad_url_stops_the_import_naming_line_and_column(
    tmp_path: Path, url: str, reason: str, settings: Settings
) -> None:
    path = _catalog(tmp_path, url)
    with pytest.raises(BadInput, match=rf"line 3, column url: .*{reason}") as caught:
        Catalog.from_csv(path)
    assert caught.value.status_code == 400
    engine = get_engine(settings.db_url)
    with pytest.raises(BadInput, match="column url"):  # the database import is as strict, and stores nothing
        import_products(engine, path)


def test_the_demo_catalog_gives_every_product_its_own_page() -> None:
    catalog = Catalog.from_csv(REPO_ROOT / "data" / "demo" / "catalog.csv")
    urls = [p.url for p in catalog]
    assert len(set(urls)) == len(urls) == len(catalog)
    assert all(p.url == f"/products/{slug(p.name)}" for p in catalog)
    assert catalog.get("FTW-001").url == "/products/talus-mid-waterproof-hiking-boot-mens"
    assert all(url_problem(u) is None for u in urls)


def test_a_path_needs_the_shop_address_and_says_which_setting() -> None:
    assert absolute_url("/products/x", "https://www.my-shop.at") == "https://www.my-shop.at/products/x"
    assert absolute_url("/products/x", "https://my-shop.at/de") == "https://my-shop.at/de/products/x"
    assert absolute_url("https://other.at/x", None) == "https://other.at/x"
    with pytest.raises(NotConfigured, match="MKA_SHOP_URL") as caught:
        absolute_url("/products/x", None)
    assert caught.value.status_code == 409
    with pytest.raises(BadInput, match="neither a path"):  # a landing page typed by hand is checked too
        absolute_url("www.my-shop.at/x", "https://www.my-shop.at")
    with pytest.raises(NotConfigured, match="no page URL"):  # the placeholder old drafts carry is no page
        absolute_url("https://shop.example.com/products/ftw-001", "https://www.my-shop.at")


def test_the_shop_address_is_read_from_the_environment_and_checked(monkeypatch) -> None:
    assert Settings(_env_file=None).shop_url is None  # no default that pretends to be a shop
    monkeypatch.setenv("MKA_SHOP_URL", "https://www.my-shop.at/")
    assert Settings(_env_file=None).shop_url == "https://www.my-shop.at"
    for bad in ("www.my-shop.at", "/shop", "https://my-shop.at/?ref=ads", "ftp://my-shop.at"):
        monkeypatch.setenv("MKA_SHOP_URL", bad)
        with pytest.raises(ValidationError, match="MKA_SHOP_URL"):
            Settings(_env_file=None)
