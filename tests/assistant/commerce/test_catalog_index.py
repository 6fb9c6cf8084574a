"""Kinds, names and colours resolved from the catalog itself: the demo shop and a shop the code never saw."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.commerce.catalog import Catalog
from assistant.commerce.lexicon import load_lexicon, tokens
from assistant.settings import REPO_ROOT

OTHER_SHOP = REPO_ROOT / "bench" / "data" / "catalog" / "dev_shop.csv"


@pytest.fixture(scope="module")
def demo() -> Catalog:
    return Catalog.from_csv(REPO_ROOT / "data" / "demo" / "catalog.csv")


@pytest.fixture(scope="module")
def skis() -> Catalog:
    return Catalog.from_csv(OTHER_SHOP)


def names(catalog: Catalog, skus: list[str]) -> list[str]:
    return [catalog.get(s).name for s in skus]


def test_a_tent_is_what_its_name_says_not_what_its_category_files(demo: Catalog):
    tents = demo.index.products_of_kind("tents")
    assert tents.level == "name" and len(tents.skus) == 6
    assert not any("Repair" in n or "Footprint" in n or "Peg" in n for n in names(demo, tents.skus))


def test_subcategory_members_join_unless_their_name_says_they_are_another_kind(demo: Catalog):
    mats = names(demo, demo.index.products_of_kind("mat").skus)
    assert "Foam Z-Pad" in mats  # filed under sleeping mats, named a pad
    lamps = names(demo, demo.index.products_of_kind("headlamp").skus)
    assert "Lumen Rechargeable Battery Pack" not in lamps  # filed under headlamps, but a pack
    stoves = names(demo, demo.index.products_of_kind("stove").skus)
    assert "Rapid Boil Integrated Stove System 1 L" in stoves


def test_synonyms_must_agree_with_the_category(demo: Catalog):
    packs = names(demo, demo.index.products_of_kind("backpack").skus)
    assert "Daybreak 28 Daypack" in packs and "Lumen Rechargeable Battery Pack" not in packs


def test_a_kind_the_shop_does_not_sell(demo: Catalog):
    assert demo.index.products_of_kind("kayak").skus == []


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("Ridgeback 2 vs Wisp 1", [["TNT-001"], ["TNT-008"]]),  # the footprint gives way to its tent
        ("ridgback2 or the wisp", [["TNT-001"], ["TNT-008"]]),  # typos, letters and digits run together
        ("does the ridgeback 3 footprint fit the ridgeback 3", [["TNT-004"], ["TNT-003"]]),
        ("is the Talus Mid waterproof", [["FTW-001", "FTW-002"]]),  # men's and women's together
        ("the summit 800 womens", [["JKT-005"]]),
        ("the lumen 900", [["ACC-003"]]),  # the number decides
        ("meadow 4 carpet fits meadow 6", [["TNT-007"], ["TNT-006"]]),
        ("light running gloves", [["RUN-013"]]),  # a rare run of common words
    ],
)
def test_product_names_are_found_in_the_customer_s_words(demo: Catalog, words: str, expected):
    assert [m.skus for m in demo.index.mentions(tokens(words))] == expected


@pytest.mark.parametrize(
    "words",
    [
        "which tent is the lightest",
        "do you sell bikes",
        "for members",
        "gluten free",
        "a stove for solo trips",  # "trips" is a word the catalog's own texts use, not a misspelt "Tips"
    ],
)
def test_ordinary_words_name_no_product(demo: Catalog, words: str):
    assert demo.index.mentions(tokens(words)) == []


def test_another_shop_s_kinds_and_names(skis: Catalog):
    assert set(skis.index.products_of_kind("ski").skus) == {"SK-100", "SK-110", "SK-120"}
    assert skis.index.products_of_kind("touring ski").skus == ["SK-120"]
    assert [m.skus for m in skis.index.mentions(tokens("powderhound vs featherlite"))] == [
        ["SK-100"],
        ["SK-120"],
    ]


def test_colour_families_reach_the_catalog_s_colour_names(demo: Catalog):
    blues = demo.index.colour_values("blue")
    assert "Navy" in blues and "Cobalt" in blues and "Black" not in blues
    assert "Black" in demo.index.colour_values("schwarz")


def test_a_malformed_lexicon_is_reported(tmp_path: Path):
    bad = tmp_path / "lexicon.yaml"
    bad.write_text("kinds: {}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="kinds"):
        load_lexicon(bad)


def test_an_unquoted_no_in_a_word_list_is_reported(tmp_path: Path):
    text = (REPO_ROOT / "assistant" / "commerce" / "catalog_lexicon.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "lexicon.yaml"
    bad.write_text(text.replace('negation: [not, "no",', "negation: [not, no,"), encoding="utf-8")
    with pytest.raises(ValueError, match="boolean"):
        load_lexicon(bad)


def test_a_word_one_product_took_as_a_tie_breaker_stays_free_for_a_longer_name():
    from assistant.commerce.catalog import Product

    def product(sku: str, name: str) -> Product:
        return Product(
            sku=sku, name=name, category="Water", price=10, currency="EUR", stock=1, description="x"
        )

    shop = Catalog(
        [
            product("A", "Basecamp Gravity Filter 6 L"),
            product("B", "Gravity Filter Replacement Cartridge"),
            product("C", "Clearflow Squeeze Filter"),
            product("D", "Bottle Replacement Cartridge"),
        ]
    )
    words = tokens("will the gravity filter replacement cartridge fit my clearflow squeeze")
    assert [m.skus for m in shop.index.mentions(words)] == [["B"], ["C"]]
