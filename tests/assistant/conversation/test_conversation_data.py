"""The conversation's data: phrases in every language, the demo shop's capability map, escalation rules, language
detection and follow-up resolution."""

from __future__ import annotations

import pytest

from assistant.conversation import escalation, follow_up
from assistant.conversation.capabilities import FILE_NAME, CapabilityMap
from assistant.conversation.language import SUPPORTED, detect
from assistant.conversation.phrases import Phrasebook, load_phrases, phrase
from assistant.settings import REPO_ROOT
from tests.assistant.fakes import HashEmbedder


def test_every_language_has_every_phrase():
    book = load_phrases().root
    assert set(SUPPORTED) <= set(book)
    for lang in SUPPORTED:
        assert set(book[lang]) == set(book["en"]), lang
    assert "#7" in phrase("handoff_created", "de", ticket=7, contact="a@b.c")


def test_a_phrasebook_missing_a_phrase_is_refused():
    with pytest.raises(ValueError, match="lacks"):
        Phrasebook.model_validate({lang: ({"a": "x"} if lang != "it" else {}) for lang in SUPPORTED})


def test_the_demo_capability_map_loads_and_has_every_language():
    caps = CapabilityMap.load(REPO_ROOT / "data" / "demo" / FILE_NAME)
    assert {"order_status", "delete_account"} <= {c.id for c in caps.capabilities}
    for cap in caps.capabilities:
        assert set(cap.reply) == set(SUPPORTED), cap.id
        assert all(s.startswith("policies/") for s in cap.sources)


def test_capabilities_match_by_meaning_and_a_missing_map_is_empty(tmp_path):
    caps = CapabilityMap.load(REPO_ROOT / "data" / "demo" / FILE_NAME)
    match = caps.match("help me delete my account", HashEmbedder())
    assert match is not None and match.capability.id == "delete_account"
    assert caps.match("what is your return window", HashEmbedder()) is None
    assert CapabilityMap.load(tmp_path / "none.yaml").capabilities == []


def test_a_capability_without_an_english_reply_is_refused(tmp_path):
    bad = tmp_path / "caps.yaml"
    bad.write_text(
        "capabilities:\n- {id: x, examples: [a], sources: [p], query: q, reply: {de: nur deutsch}}\n"
    )
    with pytest.raises(ValueError, match="'en'"):
        CapabilityMap.load(bad)


@pytest.mark.parametrize(
    "message",
    [
        "can I speak to a human",
        "agent please",
        "Ich möchte mit einem Mitarbeiter sprechen",
        "je veux parler à un conseiller",
        "quiero hablar con una persona",
        "vorrei parlare con un operatore",
        "please call me back",
    ],
)
def test_asking_for_a_person(message):
    assert escalation.asks_for_person(message)


@pytest.mark.parametrize(
    "message",
    [
        "help me delete my account",
        "i need help with my invoice",
        "what are your customer service hours",
        "can I create an account",
    ],
)
def test_ordinary_requests_do_not_ask_for_a_person(message):
    same = lambda a, b: 0.0  # noqa: E731
    assert escalation.decide(message, [], same) is None


def test_offer_accepted_question_repeated_and_upset():
    offered = [{"message": "who designed your logo?", "outcome": "not_found"}]
    answered = [{"message": "what is your return window?", "outcome": "answered"}]
    same = lambda a, b: 1.0 if a.rstrip("?") == b.rstrip("?") else 0.0  # noqa: E731
    assert escalation.decide("yes please", offered, same).reason == "accepted"
    assert escalation.decide("yes please", answered, same) is None
    assert escalation.decide("ok thanks", offered, same) is None
    assert escalation.decide("who designed your logo", offered, same).reason == "repeated"
    assert escalation.decide("THIS IS THE THIRD TIME I ASK WHERE MY PARCEL IS", [], same).reason == "upset"
    assert escalation.decide("I have a problem with my order", [], same) is None


def test_language_is_detected_and_kept_over_short_messages():
    assert detect("Was kostet der Versand nach Deutschland?") == "de"
    assert detect("¿Puedo devolver unas botas usadas?") == "es"
    assert detect("Posso pagare con PayPal?") == "it"
    assert detect("Livrez-vous en Belgique ?") == "fr"
    assert detect("ok", previous="de") == "de"
    assert detect("yes please", previous="fr") == "fr"
    assert detect("FTW-001") == "en"


def test_inverted_marks_say_spanish_in_a_short_question():
    # The detector reads letters only; "¿" and "¡" are Spanish punctuation.
    assert detect("¿Aceptan PayPal?") == "es"
    assert detect("¡Hola!") == "es"


def test_follow_ups_resolve_against_the_last_topic_and_product():
    history = [{"message": "do you ship to Canada?", "intent": "service_question", "tool_calls": []}]
    assert follow_up.resolve_topic("what about Switzerland?", history) == "do you ship to Switzerland?"
    history = [{"message": "what is your return window?", "intent": "service_question", "tool_calls": []}]
    assert (
        follow_up.resolve_topic("and for Summit members?", history)
        == "what is your return window? for Summit members?"
    )
    assert follow_up.resolve_topic("how do I wash a down jacket", history) == "how do I wash a down jacket"
    shown = [{"intent": "product_discovery", "tool_calls": [
        {"name": "get_product", "ok": True, "result": {"sku": "FTW-003"}}]}]  # fmt: skip
    assert follow_up.last_products(shown) == ["FTW-003"]
    assert follow_up.is_follow_up("and how much is it?")


@pytest.fixture(scope="module")
def catalog_index():
    from assistant.commerce.catalog import Catalog
    from assistant.settings import REPO_ROOT

    return Catalog.from_csv(REPO_ROOT / "data" / "demo" / "catalog.csv").index


def test_a_follow_up_naming_another_kind_of_product_takes_its_place(catalog_index):
    history = [
        {"message": "how long is the warranty on jackets", "intent": "service_question", "tool_calls": []}
    ]
    find = lambda words: catalog_index.find_kind(words, set())  # noqa: E731
    assert follow_up.resolve_topic("what about tents?", history, find) == "how long is the warranty on tents"
    # without the catalog's kinds the words are added to the topic, as before
    assert follow_up.resolve_topic("what about tents?", history).endswith("jackets tents?")
    # a follow-up that names no kind keeps the topic
    assert follow_up.resolve_topic("and for Summit members?", history, find).endswith("for Summit members?")


def test_a_greeting_alone_is_no_question():
    from generation import only_fillers

    assert only_fillers("hello, good morning!")
    assert only_fillers("Hallo, guten Tag")
    assert only_fillers("Bonjour !")
    assert not only_fillers("Hallo, kann ich mit PayPal zahlen?")
    assert not only_fillers("")
