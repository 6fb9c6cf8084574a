"""Answer composition by question type, on the demo shop's real policy pages (Markdown as the index stores it)."""

from __future__ import annotations

import pytest

from assistant.settings import REPO_ROOT
from generation.composer import compose
from generation.question import named_entities, question_type, split_questions, wanted_figure
from generation.units import evidence_units

POLICIES = REPO_ROOT / "data" / "demo" / "policies"


def page(*names: str) -> list[dict]:
    return [{"text": (POLICIES / f"{n}.md").read_text(encoding="utf-8"), "title": n} for n in names]


def test_table_rows_become_facts_that_name_their_columns():
    units = evidence_units(page("payment"))
    rows = [u for u in units if u.kind == "table_row"]
    assert "PayPal: charged when you place the order" in [u.text for u in rows]
    shipping = [u for u in evidence_units(page("shipping")) if u.kind == "table_row"]
    assert shipping[0].fields["Cost"].startswith("4.95 EUR") and shipping[0].label == "Austria, Germany"


def test_list_items_keep_their_lead_and_faq_answers_their_question():
    units = evidence_units(page("returns", "faq"))
    socks = next(u for u in units if u.text.startswith("Opened hygiene items"))
    assert socks.kind == "list_item" and "cannot take back" in socks.lead
    faq = next(u for u in units if u.heading == "Do I need an account to order?")
    assert faq.kind == "faq" and faq.text.startswith("No, you can check out as a guest")


@pytest.mark.parametrize(
    ("question", "kind", "figure"),
    [
        ("do you ship to canada", "yesno", ""),
        ("Kann ich mit PayPal bezahlen?", "yesno", ""),
        ("¿Puedo devolver unas botas usadas?", "yesno", ""),
        ("Was kostet der Versand nach Deutschland?", "figure", "price"),
        ("how lnog does it take, how long is the window", "figure", "duration"),
        ("where is the innsbruck store", "figure", "place"),
        ("which payment methods do you accept", "list", ""),
        ("warranty on jackets?", "open", ""),  # a noun phrase with a question mark asks no yes or no
        ("how heavy is a pair in size 43?", "figure", "weight"),
        ("wie kalt darf es nachts werden?", "figure", "temperature"),
    ],
)
def test_question_types(question, kind, figure):
    assert question_type(question) == kind and wanted_figure(question) == figure


def test_named_things_in_any_language_and_case():
    assert [e.name for e in named_entities("Liefert ihr nach Kanada?")] == ["Canada"]
    assert [e.name for e in named_entities("do u deliver to the usa")] == ["United States"]
    assert named_entities("contact us about it") == []  # "us" is a word, "US" a country


def test_several_questions_split_but_one_question_stays_whole():
    assert split_questions("how long does delivery take and can i pay with paypal") == [
        "how long does delivery take",
        "can i pay with paypal",
    ]
    assert split_questions("ship to ireland?? how long") == ["ship to ireland?? how long"]
    assert split_questions("black and white boots") == ["black and white boots"]
    # a condition after "and" that holds a question of its own is one; "and if so, how?" leans on the first
    assert split_questions("how much is shipping, and if the boots don't fit can I send them back?") == [
        "how much is shipping",
        "if the boots don't fit can I send them back?",
    ]
    assert split_questions("can I return boots and if so how?") == ["can I return boots and if so how?"]
    # a statement after a question is the customer's case or reason, not a second question to look up
    assert split_questions("do you add a fee for amex? some shops do") == [
        "do you add a fee for amex? some shops do"
    ]
    assert split_questions("¿Cuánto pesan las botas Cirque? El par, digo.") == [
        "¿Cuánto pesan las botas Cirque? El par, digo."
    ]
    assert split_questions("how much is express? where is your store?") == [
        "how much is express?",
        "where is your store?",
    ]


def test_a_destination_not_listed_gets_a_plain_no_and_the_list_of_destinations():
    answer = compose("Do you ship to Canada?", page("shipping"))
    assert answer.kind == "not_offered"
    assert answer.text.startswith("No, we do not deliver to Canada.")
    assert "Switzerland, Norway, United Kingdom" in answer.text and "canister" not in answer.text.lower()


def test_a_listed_destination_is_a_yes_from_its_row_not_from_an_exception():
    answer = compose("do you ship to switzerland", page("shipping"))
    assert answer.text.startswith("Yes.") and "14.95 EUR" in answer.text


def test_an_unknown_way_to_pay_is_a_no_in_the_customers_language():
    answer = compose("Posso pagare con Apple Pay?", page("payment"), language="it")
    assert (
        answer.text.startswith("No, Apple Pay non è tra i nostri metodi di pagamento.")
        and "PayPal" in answer.text
    )


def test_yes_no_follows_the_polarity_of_the_answering_unit():
    assert compose("can I return worn boots?", page("returns")).text.startswith("No.")
    assert compose("can i return socks", page("returns")).text.startswith("No.")
    assert compose("Can I pay with PayPal?", page("payment")).text.startswith("Yes. PayPal: charged")
    assert compose("do you offer a lifetime warranty", page("warranty")).text.startswith("No.")


def test_how_much_leads_with_the_figure_of_the_row_asked_about():
    answer = compose("how much is shipping to germany", page("shipping"))
    first = answer.text.splitlines()[0]
    assert "Austria, Germany" in first and "4.95 EUR" in first and "14.95" not in answer.text
    assert compose("how long is the warranty on tents", page("warranty")).text.startswith(
        "Tents, backpacks and duffels: 5 years"
    )


def test_a_condition_of_the_same_section_follows_the_lead():
    answer = compose("is return shipping free", page("returns"))
    assert "In Austria and Germany the return label is free" in answer.text
    assert "6.95 EUR" in answer.text  # the exception, from the same list item


def test_no_yes_or_no_from_a_unit_that_names_the_thing_but_not_what_is_asked_of_it():
    answer = compose("is there a lifetime guarantee on your down jackets?", page("warranty"))
    assert answer.text.startswith("No.") and "lifetime guarantee" in answer.text
    answer = compose("do you repair ropes or harnesses?", page("warranty"))
    assert answer.text.startswith("No. We never repair them")  # the pronoun reads with the sentence before it
    answer = compose("do you give a discount on repairs to students?", page("warranty"))
    assert answer is None or not answer.text.startswith(("Yes", "No"))


def test_an_unsure_yes_no_quotes_the_page_and_offers_a_person():
    answer = compose("do you price match amazon?", page("price-match-and-promotions"))
    assert answer.kind == "quote" and answer.confidence < 0.75
    assert answer.text.startswith("Here is what our") and "our team" in answer.text
    german = compose("Gleicht ihr Preise von Amazon an?", page("price-match-and-promotions"), language="de")
    assert german is None or not german.text.startswith(("Ja", "Nein"))


def test_nothing_that_answers_is_none():
    assert compose("who designed your company logo?", page("shipping", "payment")) is None


def test_every_stopword_is_a_word():
    # YAML reads a bare `on` as true: a stopword list must hold strings only.
    from generation.terms import grounded_data, terms

    assert all(isinstance(w, str) for w in grounded_data()["stopwords"])
    assert "on" not in terms("warranty on jackets")


def test_a_way_to_pay_no_page_names_is_answered_from_the_whole_table():
    answer = compose("do you take bitcoin", page("payment"))
    assert answer.kind == "not_offered" and answer.text.startswith("No")
    assert "PayPal" in answer.text and "Klarna invoice" in answer.text and "Bank transfer" in answer.text


def test_a_bare_list_item_is_read_with_the_lead_of_its_list():
    answer = compose("can I return gas canisters", page("returns"))
    assert answer.text.startswith("No.")
    assert "Items we cannot take back unless faulty: Gas canisters" in answer.text


def test_another_name_of_the_asked_place_matches_its_row():
    answer = compose("how long does delivery take to the UK", page("shipping"))
    assert "5-8 business days" in answer.text.split("[")[0]


def test_units_in_the_reply_language_are_preferred_to_a_translation_in_a_third():
    en = {
        "text": "| Method | Notes |\n|---|---|\n| PayPal | charged when you place the order |",
        "title": "Payment",
    }
    de = {"text": "| Zahlungsart | Hinweise |\n|---|---|\n| PayPal | Belastung bei Bestellung |", "title": "Zahlung",
          "language": "de"}  # fmt: skip
    assert compose("¿Aceptan PayPal?", [de, en], language="es").cited == [2]
    assert compose("Kann ich mit PayPal zahlen?", [de, en], language="de").cited == [1]


def test_a_weight_or_a_temperature_asked_for_leads_with_a_sentence_that_states_one():
    row = {
        "title": "Fjell Winter Boot",
        "text": "Fjell Winter Boot. A warm boot for cold town days, with 200 g of insulation in each boot. "
        "Comfortable down to about -25 °C when you keep moving.\n\nWeight: 1400 g.",
    }
    cold = compose("how cold can it get before my feet freeze in the fjell boots?", [row])
    assert cold.kind == "figure" and "-25 °C" in cold.text and "1400" not in cold.text
    for question in ("how heavy is the fjell boot?", "how much does the fjell boot weigh?"):
        heavy = compose(question, [row])
        assert heavy.kind == "figure" and heavy.text.startswith("Fjell Winter Boot: Weight: 1400 g")


def test_a_german_question_finds_the_english_sentence_through_the_shop_vocabulary():
    page = [
        {
            "title": "Filter",
            "text": "# Filter\n\nIt removes bacteria; it does not remove viruses.",
            "language": "en",
        }
    ]
    answer = compose("Filtert der auch Viren raus?", page, language="de")
    assert answer is not None and "does not remove viruses" in answer.text
