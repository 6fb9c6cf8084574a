"""The customer's case worked out through the whole agent, on the demo shop's own pages (shipping in English and
German, the size guide, the stores page) in a real index: the result first, the rule used, the cited row."""

from __future__ import annotations

import shutil

import pytest

from assistant import Assistant
from assistant.conversation.reply import Caller
from assistant.settings import REPO_ROOT, Settings

pytestmark = pytest.mark.slow
CUSTOMER = Caller(role="customer")
PAGES = (
    "policies/shipping.md",
    "policies/de/shipping.md",
    "policies/sizing.md",
    "pages/store-locations.html",
)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory) -> Assistant:
    from retrieval.kb import KnowledgeBase

    root = tmp_path_factory.mktemp("case_shop")
    shop = root / "shop"
    for page in PAGES:
        (shop / page).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO_ROOT / "data" / "demo" / page, shop / page)
    lines = (REPO_ROOT / "data" / "demo" / "catalog.csv").read_text(encoding="utf-8").splitlines()
    keep = [lines[0]] + [line for line in lines[1:] if line.split(",", 1)[0] in ("JKT-001", "FTW-001")]
    (shop / "catalog.csv").write_text("\n".join(keep) + "\n", encoding="utf-8")
    settings = Settings(data_dir=root / "var", demo_dir=shop, _env_file=None)
    report = KnowledgeBase.open(settings.retrieval, settings.chroma_path).sync([shop], progress=False)
    assert not report.failed, report.failed
    bot = Assistant.from_settings(settings)
    bot.warm_up()
    return bot


def test_shipping_for_the_customers_destination_and_order_value(assistant):
    reply = assistant.turn("shipping to italy for a 60 euro order", CUSTOMER)
    assert reply.action == "answer"
    first = reply.text.splitlines()[0]
    assert "6.95 EUR" in first and "3-6 business days" in first and "75 EUR" in first
    assert (
        "4.95" not in reply.text and "14.95" not in reply.text
    )  # the other destinations' rows are not the answer
    assert [c.source for c in reply.citations] == ["policies/shipping.md"]


def test_a_missing_destination_is_asked_for_not_guessed(assistant):
    reply = assistant.turn("how much is shipping for a 60 euro order?", CUSTOMER)
    assert reply.action == "clarify" and "country" in reply.text.lower()
    assert "EUR" not in reply.text


def test_an_order_after_the_friday_cut_off_leaves_on_monday(assistant):
    reply = assistant.turn("ordered Friday 3 pm, when does it leave?", CUSTOMER)
    assert reply.text.startswith("Ordered on Friday at 15:00") and "Monday" in reply.text.splitlines()[0]
    assert "14:00" in reply.text and reply.citations[0].source == "policies/shipping.md"


def test_the_size_row_that_holds_the_chest_measurement(assistant):
    reply = assistant.turn("chest 112 cm, which jacket size?", CUSTOMER)
    assert "size XL" in reply.text.splitlines()[0] and "109-116" in reply.text
    assert reply.citations[0].source == "policies/sizing.md"


def test_a_named_store_on_a_weekday(assistant):
    reply = assistant.turn("is the Innsbruck store open on Saturday?", CUSTOMER)
    assert "Innsbruck" in reply.text and "09:00-17:00" in reply.text.splitlines()[0]
    closed = assistant.turn("is the Graz store open on Sunday?", CUSTOMER)
    assert "closed" in closed.text.splitlines()[0]


def test_german_case_answer_in_german_from_the_german_page(assistant):
    reply = assistant.turn("Was kostet der Versand nach Italien bei einem Bestellwert von 60 Euro?", CUSTOMER)
    first = reply.text.splitlines()[0]
    assert "6,95 EUR" in first and "Bestellwert" in first and "Werktage" in first
    assert reply.citations[0].source == "policies/de/shipping.md"


def test_a_page_in_another_language_is_quoted_as_it_stands(assistant):
    reply = assistant.turn("Quanto costa la spedizione in Italia per un ordine di 60 euro?", CUSTOMER)
    first = reply.text.splitlines()[0]
    assert "6.95 EUR" in first and "60 euro" in first and "“3-6 business days”" in first
    assert "solo in inglese" in reply.text and reply.citations[0].source == "policies/shipping.md"


def test_a_measurement_without_its_name_is_asked_about(assistant):
    reply = assistant.turn("I'm 112 cm, which size?", CUSTOMER)
    assert reply.action == "clarify" and "Chest" in reply.text and not reply.citations


def test_a_passage_about_other_products_only_never_answers_for_the_named_one():
    from types import SimpleNamespace

    from assistant.commerce.catalog import Catalog
    from assistant.conversation.intents.service_question import _about_the_named
    from assistant.settings import REPO_ROOT

    catalog = Catalog.from_csv(REPO_ROOT / "data" / "demo" / "catalog.csv")
    turn = SimpleNamespace(
        services={"catalog": catalog},
        named_rows=[(SimpleNamespace(sku="FTW-001"), "")],
        message="is the Talus Mid membrane waterproof?",
    )
    hits = [
        SimpleNamespace(text="The Stormline 3L fabric is rated at 20,000 mm hydrostatic head."),
        SimpleNamespace(text="The Talus Mid takes the C1 crampons."),
        SimpleNamespace(text="Wash boots by hand."),
    ]
    kept = [h.text for h in _about_the_named(turn, hits)]
    assert kept == ["The Talus Mid takes the C1 crampons.", "Wash boots by hand."]


def test_a_dated_story_of_the_customers_order_is_no_catalog_constraint():
    from types import SimpleNamespace

    from assistant.commerce.catalog import Catalog
    from assistant.conversation.catalog_query import parser_for
    from assistant.conversation.intents.catalog_query import _question_after_a_story
    from assistant.settings import REPO_ROOT

    parser = parser_for(Catalog.from_csv(REPO_ROOT / "data" / "demo" / "catalog.csv"))

    def asked(message: str):
        return _question_after_a_story(SimpleNamespace(message=message, language="en"), parser)

    assert asked("which of your mats is lighter?") is None  # no story: the catalog handler's own parse
    ranked = asked("I bought the Loft 4 mat on 2 March; which of your mats is lighter?")
    assert ranked.operation == "rank" and not ranked.leftovers
    refund = asked(
        "Bought the Loft 4 mat on 2 March, now it is cheaper elsewhere. Do I get the difference back?"
    )
    assert refund.operation is None or refund.leftovers


def test_a_product_is_named_by_the_first_word_of_its_name_as_a_word_of_its_own():
    from assistant.conversation.intents.service_question import _written_as_name

    assert _written_as_name("Nordkette Insulated Winter Boot", "how cold can it get in the nordkette boots?")
    assert not _written_as_name("Drizzle 2.5L Packable Rain Jacket", "how do i wash my rain jacket")
    assert not _written_as_name("Summit 800 Down Jacket (Men's)", "und für Summit-Mitglieder?")
