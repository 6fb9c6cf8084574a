"""Figures with their units and claims with their polarity, read from catalog rows."""

from __future__ import annotations

import pytest

from assistant.commerce.attributes import claim, figures, number
from assistant.commerce.catalog import Catalog, Product
from assistant.settings import REPO_ROOT


@pytest.fixture(scope="module")
def demo() -> Catalog:
    return Catalog.from_csv(REPO_ROOT / "data" / "demo" / "catalog.csv")


def product(description: str, name: str = "Test Thing", materials: str = "", **extra) -> Product:
    fields = {"sku": "T-1", "name": name, "category": "Things", "price": 10, "currency": "EUR", "stock": 1}
    return Product(**{**fields, "description": description, "materials": materials, **extra})


def test_numbers_as_catalogs_write_them():
    assert number("1,250") == 1250 and number("−17") == -17 and number("4,2") == 4.2 and number("0.1") == 0.1


def test_figures_come_from_columns_and_from_the_text_with_their_units(demo: Catalog):
    bag = figures(demo.get("SLP-001"))
    assert bag["comfort_temperature"].value == -4 and bag["comfort_temperature"].unit == "°C"
    assert bag["limit_temperature"].value == -10
    assert bag["weight"].value == 1250 and bag["weight"].field == "weight_g"
    assert bag["price"].text == "449.00 EUR"
    assert figures(demo.get("TNT-001"))["persons"].value == 2  # from the sizes column, "2 person"
    assert (
        figures(demo.get("TNT-001"))["waterproofing"].text == "3,000 mm"
    )  # the flysheet, first rating given
    assert figures(demo.get("ACC-003"))["brightness"].value == 900
    assert figures(demo.get("SLP-007"))["r_value"].value == 4.2
    assert figures(demo.get("HYD-004"))["capacity"].value == pytest.approx(
        0.6
    )  # "600 ml" in the name, in litres


def test_figures_that_are_not_the_attribute_are_left_alone(demo: Catalog):
    # "3L" is three layers, not three litres; "lasts about 600 litres" is a lifetime; a pole "fits inside a 40-litre pack"
    assert "capacity" not in figures(demo.get("JKT-001"))
    assert "capacity" not in figures(demo.get("HYD-003"))
    assert "capacity" not in figures(demo.get("ACC-005"))
    # a brand called Lumen is no brightness
    assert "brightness" not in figures(demo.get("ACC-002"))


def test_weight_from_the_description_where_the_catalog_has_no_column():
    found = figures(product("A small stove. It weighs 1.2 kg with its case."))
    assert found["weight"].value == 1200 and found["weight"].text == "weighs 1.2 kg"


@pytest.mark.parametrize(
    ("sku", "term", "polarity"),
    [
        ("FTW-003", "waterproof", "no"),  # "The open mesh upper is not waterproof"
        ("FTW-001", "waterproof", "yes"),
        ("JKT-008", "waterproof", "no"),  # "water-repellent, not waterproof"
        ("JKT-009", "waterproof", "no"),  # "Not waterproof."
        ("CYC-007", "waterproof", "yes"),
        ("CYC-006", "waterproof", "unknown"),  # "Waterproof-coated nylon" is another word; "not submersible"
        ("HYD-001", "remove viruses", "no"),  # "it does not remove viruses or chemicals"
        ("HYD-006", "kill viruses", "yes"),
        ("SLP-003", "machine washable", "yes"),
        ("ACC-016", "itchy", "no"),  # "non-itchy merino"
        ("CKG-012", "gluten free", "no"),  # "Contains gluten", asked the other way round
        ("TNT-008", "freestanding", "unknown"),
        ("FTW-003", "wasserdicht", "no"),  # the lexicon's German word for waterproof
    ],
)
def test_claims_with_polarity(demo: Catalog, sku: str, term: str, polarity: str):
    found = claim(demo.get(sku), term)
    assert found.polarity == polarity
    if polarity != "unknown":
        assert found.sentence and found.sentence in demo.get(sku).row_text()


def test_free_compounds_and_contrast():
    assert claim(product("A BPA-free bottle."), "BPA").polarity == "no"
    assert claim(product("Not heavy, but warm."), "warm").polarity == "yes"  # "but" ends the negation
    assert claim(product("Warm, not heavy."), "heavy").polarity == "no"


def test_the_description_is_quoted_rather_than_the_name_when_both_say_it(demo: Catalog):
    found = claim(demo.get("FTW-001"), "waterproof")
    assert found.polarity == "yes" and found.field == "description"
