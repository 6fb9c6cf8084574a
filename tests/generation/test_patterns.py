"""The trie-shaped alternation matches what a longest-first plain alternation matches, and the cached readers of
figures and names return fresh lists (a caller that appends to one cannot change the next caller's answer)."""

import re

import pytest

from generation.figures import extract_facts
from generation.patterns import alternation
from generation.question import named_entities

WORDS = [
    "one",
    "on",
    "only",
    "ten",
    "three",
    "thirty",
    "thirteen",
    "two",
    "twenty",
    "a",
    "business days",
    "days",
]


def _plain(words: list[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


@pytest.mark.parametrize(
    "text",
    [
        "thirty-one days",
        "only on one",
        "thirteen business days",
        "twenty two",
        "a ten",
        "onethirty",
        "",
        "days",
    ],
)
@pytest.mark.parametrize("suffix", ["", r"\b", r"\s+days\b", r"(?!\w)"])
def test_trie_matches_like_the_longest_first_alternation(text: str, suffix: str) -> None:
    trie = re.compile(rf"(?:{alternation(WORDS)}){suffix}", re.I)
    plain = re.compile(rf"(?:{_plain(WORDS)}){suffix}", re.I)
    assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_an_empty_word_list_matches_nothing() -> None:
    assert re.search(alternation([]), "anything") is None


def test_cached_figures_and_names_come_back_as_new_lists() -> None:
    text = "Standard delivery to Austria costs 4.95 EUR and takes 2-4 business days."
    first = extract_facts(text)
    first.clear()
    assert [f.kind for f in extract_facts(text)] == ["price", "duration", "duration"]
    names = named_entities(text)
    names.clear()
    assert [e.name for e in named_entities(text)] == ["Austria"]


def test_labels_are_read_only_on_their_own_line() -> None:
    facts = extract_facts("Weight (g): 720\nNext, by price\n2. Wisp 1")
    assert [(f.kind, f.value) for f in facts if f.kind == "measure"] == [("measure", 720.0)]


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [("The strap is 2 in. wide", 2.0, "in"), ("it fits 3 in.", 3.0, "in"), ("a 30 cm. pole", 300.0, "mm")],
)
def test_a_unit_with_a_full_stop_is_read_with_or_without_it(text: str, value: float, unit: str) -> None:
    # "in." once raised KeyError('in') in the copywriter's claim check: the full stop was stripped first
    (fact,) = extract_facts(text)
    assert (fact.kind, fact.value, fact.unit) == ("measure", value, unit)
