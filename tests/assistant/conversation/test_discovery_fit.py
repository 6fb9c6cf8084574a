"""A product search's results held to the kind and the claims the message asks for, on a small made-up catalog (the
claim reader, the parser and the index are the real ones; the search results are given)."""

from __future__ import annotations

from types import SimpleNamespace

from assistant.commerce.catalog import Catalog, Product
from assistant.conversation.catalog_query import CatalogQueryParser
from assistant.conversation.discovery_fit import asked_claims, fitted


def _p(sku, name, category, description, subcategory="") -> Product:
    return Product(sku=sku, name=name, category=category, subcategory=subcategory, price=100, currency="EUR",
                   stock=3, description=description)  # fmt: skip


CATALOG = Catalog(
    [
        _p(
            "WND-1",
            "Zephyr Wind Jacket",
            "Jackets",
            "A 90 g shirt that blocks wind on ridges. Not waterproof.",
        ),
        _p("SFT-1", "Crag Softshell Jacket", "Jackets", "Stretchy and breathable for climbing days."),
        _p("HRD-1", "Tempest Hardshell Jacket", "Jackets", "A waterproof 3-layer shell for storms and wind."),
        _p("CAP-1", "Ridge Rain Cap", "Hats", "A waterproof cap with a peak."),
    ]
)
PARSER = CatalogQueryParser(CATALOG)


def found(*skus: str) -> list[SimpleNamespace]:
    return [SimpleNamespace(sku=s) for s in skus]


def test_claims_are_read_in_any_language_and_inflection():
    assert asked_claims("eine wirklich wasserdichte Jacke") == ["waterproof"]
    assert asked_claims("a waterproof, breathable jacket") == ["waterproof", "breathable"]
    assert asked_claims("a jacket for rain") == []


def test_a_product_that_denies_the_asked_claim_is_left_out_and_one_that_states_it_leads():
    order = fitted(
        found("WND-1", "SFT-1", "HRD-1"), "wasserdichte Jacke für Regen und Wind", CATALOG, PARSER, 5
    )
    assert [p.sku for p in order] == ["HRD-1", "SFT-1"]


def test_products_of_the_asked_kind_come_before_others_and_order_stays_among_equals():
    order = fitted(found("CAP-1", "SFT-1", "WND-1"), "a jacket for windy ridges", CATALOG, PARSER, 2)
    assert [p.sku for p in order] == ["SFT-1", "WND-1"]


def test_products_made_for_whom_the_message_asks_for_come_first():
    catalog = Catalog(
        [
            _p("M-1", "Brook Rain Jacket (Men's)", "Jackets", "A rain jacket."),
            _p("K-1", "Puddle Kids Rain Jacket", "Kids", "A rain jacket for children."),
            _p("U-1", "Mist Rain Jacket", "Jackets", "A rain jacket for anyone."),
        ]
    )
    parser = CatalogQueryParser(catalog)
    order = fitted(found("M-1", "U-1", "K-1"), "need a rain jacket for my daughter", catalog, parser, 3)
    assert [p.sku for p in order] == ["K-1", "U-1", "M-1"]
