"""The output guard on tricky figures: spelled-out numbers, hyphenated units, currency formats, languages."""

from __future__ import annotations

import pytest

from generation.guard import check, extract_facts, find_terms, parse_number


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("49.90", 49.9),
        ("49,90", 49.9),
        ("1,299.00", 1299.0),
        ("1.299,00", 1299.0),
        ("1,299", 1299.0),
        ("thirty", 30.0),
        ("twenty-one", 21.0),
        ("zwanzig", 20.0),
        ("12", 12.0),
        ("abc", None),
    ],
)
def test_parse_number(raw, value):
    assert parse_number(raw) == value


@pytest.mark.parametrize(
    ("output", "evidence"),
    [
        ("Returns are free within 30 days [1].", "You may return items within thirty days of delivery."),
        ("You have thirty days to return it.", "Return window: 30 days."),
        ("Enjoy our 30-day return window.", "Items can be returned within 30 days."),
        ("Now only €49.90.", "Price: 49.90 EUR"),
        ("Jetzt 49,90 €.", "price 49.90 EUR"),
        ("Save 20% today.", "Spring sale: 20 percent off all jackets."),
        ("Two weeks to decide.", "You can return within 14 days."),
        ("Sie haben 30 Tage Zeit.", "Returns accepted for 30 days."),
        ("Vous avez trente jours.", "Returns accepted for 30 days."),
        ("Only 3 left in stock.", "stock: 3"),
        ("It weighs 1.2 kg.", "Weight: 1.2 kg"),
        ("Return window: 30 days [1].", "Return window (days): 30"),  # a bare evidence figure supports a unit
        ("See answer [1] and [2].", "no figures at all"),  # citation markers are not figures
    ],
)
def test_supported_figures_pass(output, evidence):
    result = check(output, evidence)
    assert result.ok, result.violations
    assert result.repaired_text == output


@pytest.mark.parametrize(
    ("output", "evidence", "bad"),
    [
        ("You can return items within 60 days.", "Return items within 30 days.", "60 days"),
        ("Now only €39.90.", "Price: 49.90 EUR", "€39.90"),
        ("Now only $49.90.", "Price: 49.90 EUR", "$49.90"),  # right number, wrong currency
        ("Save 25% today.", "Save 20% today.", "25%"),
        ("Thirty days to return.", "Returns within 14 days.", "Thirty days"),
        ("30% off", "30 days to return", "30%"),  # same number, different kind of fact
        ("Only 5 left!", "stock: 3", "5 left"),
        ("Two-year warranty.", "One year warranty.", "Two-year"),
        ("Founded in 1998.", "A family business.", "1998"),
    ],
)
def test_unsupported_figures_are_flagged(output, evidence, bad):
    result = check(output, evidence)
    assert not result.ok
    assert [v.text for v in result.violations] == [bad]


def test_repair_drops_only_the_offending_sentences():
    evidence = ["Returns within 30 days.", "Standard shipping costs 4.95 EUR."]
    text = "You can return within 30 days [1]. Shipping costs 5.95 EUR [2]. Anything else?"
    result = check(text, evidence)
    assert not result.ok
    assert result.repaired_text == "You can return within 30 days [1]. Anything else?"


def test_bare_numbers_can_be_ignored():
    assert not check("3 colours to choose from", "red, blue, green").ok
    assert check("3 colours to choose from", "red, blue, green", bare_numbers=False).ok


def test_number_words_alone_are_not_figures():
    assert extract_facts("One of our best sellers, a classic.") == []


def test_find_terms_whole_words_only():
    assert find_terms("The CHEAPEST boots, guaranteed!", ["cheapest", "guarantee", "best"]) == ["cheapest"]
    assert find_terms("eco-friendly wax", ["eco-friendly", "eco"]) == ["eco-friendly", "eco"]


@pytest.mark.parametrize(
    ("output", "evidence"),
    [
        (
            "40% off these boots.",
            "Sizes: 40, 41, 42, 43, 44, 45, 46, 47. Price: 169.00 EUR",
        ),  # a size is no discount
        ("12% off today.", "Drift Water Shoe (SKU FTW-012). Price: 45.00 EUR"),  # nor are a SKU's digits
        ("Now 47 EUR.", "Sizes 40-47. Price: 169.00 EUR"),  # nor a price
        ("Delivered in 48h.", "Delivery takes 3 to 5 working days."),
        ("Half price this week.", "Price: 169.00 EUR"),
        ("Only one hundred and nine euros.", "Price: 119.00 EUR"),
        ("Sizes 38 to 48.", "sizes 38, 39, 40, 41, 42, 43, 44, 45, 46"),
    ],
)
def test_figures_need_a_figure_of_the_same_kind(output, evidence):
    assert not check(output, evidence).ok


@pytest.mark.parametrize(
    ("output", "evidence"),
    [
        ("Delivered in 48h.", "Delivery takes 2 days."),
        ("Only one hundred and nineteen euros.", "Price: 119.00 EUR"),
        ("Half price this week.", "Spring sale: 50% off all jackets."),
        ("Fuel every 30 to 45 minutes.", "Fuel every 30 to 45 minutes on long runs."),
        (
            "It costs 169 EUR.",
            "{'sku': 'FTW-001', 'price': 169.0, 'currency': 'EUR', 'stock': 34}",
        ),  # tool result
    ],
)
def test_figures_of_the_same_kind_pass(output, evidence):
    assert check(output, evidence).ok


EVIDENCE = [
    "Scree Low Hiking Shoe (SKU FTW-003). The open mesh upper is not waterproof, so wet grass will soak through.",
    "Talus Mid Waterproof Hiking Boot (SKU FTW-001). A waterproof, breathable membrane.",
    "Shipping is free for orders over 50 EUR. Returns within 30 days.",
]


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("The Scree Low is waterproof [1].", False),
        ("The Scree Low is not waterproof [1].", True),
        ("The Talus Mid is waterproof [2].", True),
        ("Der Scree Low ist wasserdicht [1].", False),
        ("Shipping is free over 50 EUR [3].", True),
        ("Returns are free too [3].", False),
        ("The Talus Mid is our best seller [2].", False),
    ],
)
def test_chat_claims_keep_their_polarity_and_their_product(answer, ok):
    result = check(answer, EVIDENCE, claims=True)
    assert result.ok is ok, result.claim_problems
    assert (result.repaired_text == answer) is ok


def test_a_bare_number_is_backed_by_the_same_number_shown_with_its_unit():
    # "1 to 1.5 cm" is held as 10-15 mm; the bare "1.5" of a reply is still the page's figure.
    evidence = "Leave a thumb's width (1 to 1.5 cm) between your longest toe and the boot."
    assert check("Leave 1.5 between toe and boot.", evidence).ok
    assert check("The gap is 1 to 1.5 cm.", evidence).ok
    assert not check("Leave 2.5 between toe and boot.", evidence).ok
    assert not check(
        "The gap is 1.5 mm.", evidence
    ).ok  # a figure with another unit still needs its own backing


def test_a_label_does_not_reach_over_a_line_break():
    text = "Next, by price:\n\n2. **Ridgeback 2** (TNT-001): 399.00 EUR"
    assert not [f for f in extract_facts(text) if f.kind == "price" and f.value == 2]
    assert [f for f in extract_facts("price: 399") if f.kind == "price"]
