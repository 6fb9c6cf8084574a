"""The parser from a customer's words to a structured catalog query, the query_catalog tool, the reply, and the
intent in the turn loop (fake embedder and index, the real demo catalog, the real store)."""

from __future__ import annotations

import re

import pytest

from assistant import Assistant
from assistant.commerce.catalog import Catalog
from assistant.conversation.catalog_query import CatalogQueryParser
from assistant.conversation.catalog_reply import CatalogReply, phrases
from assistant.conversation.policy import Policy
from assistant.conversation.reply import Caller
from assistant.conversation.router import Route, Router
from assistant.errors import Forbidden
from assistant.services import Services
from assistant.settings import REPO_ROOT
from assistant.storage.store import ConversationStore
from assistant.tools import ToolContext, all_tools
from generation import check_figures
from tests.assistant.fakes import FakeKB, HashEmbedder, demo_hits

CUSTOMER = Caller(role="customer")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_csv(REPO_ROOT / "data" / "demo" / "catalog.csv")


@pytest.fixture(scope="module")
def parser(catalog: Catalog) -> CatalogQueryParser:
    return CatalogQueryParser(catalog)


def run(catalog: Catalog, arguments: dict):
    return all_tools()["query_catalog"].run(
        ToolContext(role="customer", services={"catalog": catalog}), arguments
    )


# -- the parser ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("message", "operation", "expected"),
    [
        ("Which tent is the lightest you sell?", "rank", {"kind": "tent", "sort_by": "lightest"}),
        ("welches ist das leichteste Zelt?", "rank", {"kind": "tent", "sort_by": "leichteste"}),
        ("¿cuál es el saco de dormir más cálido?", "rank", {"kind": "sleeping bag"}),
        ("the 3 cheapest sleeping bags", "rank", {"limit": 3}),
        ("tents under 2 kg", "filter", {"limits": [{"attribute": "weight", "at_most": 2000.0}]}),
        (
            "jackets under 150 euros in blue",
            "filter",
            {"max_price": 150.0, "colour": "blue", "kind": "jacket"},
        ),
        (
            "sleeping bag for -10 °C",
            "filter",
            {"limits": [{"attribute": "comfort_temperature", "at_most": -10.0}]},
        ),
        ("Ridgeback 2 vs Wisp 1", "compare", {"products": ["TNT-001", "TNT-008"]}),
        (
            "does the Ridgeback 3 footprint fit the Ridgeback 3?",
            "compatibility",
            {"compatible_with": ["TNT-003"]},
        ),
        ("which crampons fit the Cirque?", "filter", {"kind": "crampon", "compatible_with": ["FTW-004"]}),
        ("is the Scree Low waterproof?", "attribute", {"products": ["FTW-003"], "attribute": "waterproof"}),
        ("how much does the Wisp 1 weigh?", "facts", {"attribute": "weight"}),
        ("do you sell kayaks?", "rank", {"kind": "kayak"}),
        # one name that several products share, with a ranking word: those products ranked
        (
            "how much is the bigger daybreak?",
            "rank",
            {"products": ["BPK-003", "BPK-004"], "sort_by": "bigger"},
        ),
        # a German compound ends in its kind; shopping words ask for the kind's products
        (
            "habt ihr Regenjacken für Kinder?",
            "filter",
            {"kind": "rain jacket", "gender": "kids"},
        ),
        ("welche Wanderschuhe habt ihr?", "filter", {"kind": "boot"}),
        ("I'm looking for a tent", "filter", {"kind": "tent"}),
    ],
)
def test_messages_become_structured_queries(parser, message, operation, expected):
    parsed = parser.parse(message)
    assert parsed.operation == operation and parsed.confidence >= 0.5
    for key, value in expected.items():
        assert parsed.arguments.get(key) == value, (key, parsed.arguments)


@pytest.mark.parametrize(
    "message",
    [
        "can I return worn boots?",
        "do you ship to Canada?",
        "and for Summit members?",
        "how do I wash my Summit jacket?",
        # "do you have to" is no shopping question, and a long rest is a sentence, not a product nobody listed
        "I asked for a copy of all my data. how long do you have to answer that?",
    ],
)
def test_other_questions_are_not_catalog_queries(parser, message):
    parsed = parser.parse(message)
    assert parsed.operation is None or parsed.confidence < 0.5


def test_a_name_s_common_words_after_an_indefinite_article_are_a_kind_not_that_product(parser):
    # "a down jacket" is any down jacket; "the Summit 800" and "a Summit 800" name the product
    assert parser.parse("can I wear a down jacket under it?").mentions == []
    assert parser.parse("is a Summit 800 warm enough?").mentions == [["JKT-004", "JKT-005"]]


def test_kids_products_answer_for_kids_where_the_shop_makes_the_kind_for_them(catalog):
    result = run(catalog, {"operation": "filter", "kind": "jacket", "gender": "kids"})
    assert result.rows and {r.sku.split("-")[0] for r in result.rows} == {"KID"}


def test_for_adults_keeps_everything_but_the_kids_products(catalog, parser):
    parsed = parser.parse("welche Jacken für Erwachsene habt ihr unter 100 Euro?")
    assert parsed.arguments.get("gender") == "adults"
    result = run(catalog, parsed.arguments)
    assert result.rows and not [r for r in result.rows if r.sku.startswith("KID")]


def test_a_subcategory_holds_its_kind_when_no_name_ends_in_it(catalog):
    # "Fleece" is the subcategory of the Glen 200 Fleece Jacket: the shop sells fleece
    assert "JKT-007" in catalog.index.products_of_kind("fleece").skus


def test_a_yes_from_the_materials_list_quotes_the_sentence_that_measures_it(catalog):
    result = run(catalog, {"operation": "attribute", "products": ["JKT-001"], "attribute": "waterproof"})
    (answer,) = result.claims
    assert answer.polarity == "yes" and "20,000 mm" in answer.measured


def test_a_german_compound_s_first_half_is_read_in_english(parser):
    parsed = parser.parse("habt ihr Regenjacken für Kinder?")
    assert parsed.arguments.get("kind") == "rain jacket" and parsed.arguments.get("gender") == "kids"


def test_a_reason_beside_the_question_leaves_it_a_stock_question_about_the_named_products(parser):
    parsed = parser.parse("is the 70m tarn rope in stock? need it for next weekend")
    assert parsed.operation == "facts" and parsed.confidence >= 0.5
    assert "CLB-004" in parsed.arguments["products"]


def test_the_reply_language_is_guessed_from_the_words(parser):
    assert parser.parse("quelle est la tente la plus légère ?").language == "fr"
    assert parser.parse("cheapest kayak").language == "en"  # "kayak" is English too
    assert parser.parse("qual è la tenda più leggera?").language == "it"


# -- the tool --------------------------------------------------------------------------------------------------------
def test_rank_returns_rows_in_order_with_the_figure_and_the_row_as_evidence(catalog):
    result = run(catalog, {"operation": "rank", "kind": "tents", "sort_by": "weight"})
    weights = [r.figures["weight"].value for r in result.rows]
    assert weights == sorted(weights) and result.rows[0].sku == "TNT-008" and result.total == 6
    assert all(f"Weight: {r.weight_g} g" in r.text for r in result.rows)


def test_a_word_meaning_two_attributes_takes_the_one_the_products_have(catalog):
    bags = run(catalog, {"operation": "rank", "kind": "sleeping bag", "sort_by": "warmest"})
    mats = run(catalog, {"operation": "rank", "kind": "mat", "sort_by": "warmest"})
    assert (bags.sort_by, bags.order, bags.rows[0].sku) == ("comfort_temperature", "asc", "SLP-013")
    assert (mats.sort_by, mats.order, mats.rows[0].sku) == ("r_value", "desc", "SLP-007")


def test_a_kind_the_shop_lacks_offers_the_closest(catalog):
    result = run(catalog, {"operation": "rank", "kind": "kayak"})
    assert not result.kind_known and result.rows == [] and result.closest[0].sku == "FTW-012"  # "kayaking"


def test_fit_from_the_lists_and_from_what_the_rows_say(catalog):
    yes = run(
        catalog, {"operation": "compatibility", "products": ["TNT-004"], "compatible_with": ["TNT-003"]}
    )
    assert yes.fits[0].fits and yes.fits[0].listed
    no = run(
        catalog, {"operation": "compatibility", "products": ["TNT-007"], "compatible_with": ["Meadow 6"]}
    )
    assert not no.fits[0].fits and no.fits[0].sentence == "The Meadow 4 carpet does not fit this tent."


def test_descriptive_words_filter_and_unknown_ones_are_reported(catalog):
    result = run(
        catalog, {"operation": "rank", "kind": "jacket", "sort_by": "price", "words": ["waterproof", "zzz"]}
    )
    assert result.ignored_words == ["zzz"]
    assert all("JKT-008" != r.sku for r in result.rows)  # the softshell is "not waterproof"


def test_customers_may_run_it_through_the_policy(catalog):
    args, result = Policy().run(CUSTOMER, "query_catalog", {"kind": "tent"}, {"catalog": catalog})
    assert result.rows and args["kind"] == "tent"
    with pytest.raises(Forbidden):
        Policy().run(CUSTOMER, "segment_members", {"segment": "Loyal"}, {"catalog": catalog})


# -- the reply -------------------------------------------------------------------------------------------------------
def reply(catalog, parser, message: str) -> tuple[str, list[str]]:
    parsed = parser.parse(message)
    result = run(catalog, parsed.arguments)
    cited: list[str] = []

    def cite(row):
        if row.sku not in cited:
            cited.append(row.sku)
        return cited.index(row.sku) + 1

    return CatalogReply(result, parsed.language, cite).text(parsed.asked_words), cited


def test_the_reply_leads_with_the_answer_and_every_figure_is_in_its_cited_row(catalog, parser):
    text, cited = reply(catalog, parser, "Which tent is the lightest you sell?")
    assert text.startswith("The lightest tent we sell is the **Wisp 1 Ultralight Tent** (TNT-008): 720 g")
    assert "Repair" not in text and cited[:2] == ["TNT-008", "TNT-001"]
    rows = [catalog.get(s).row_text() for s in cited]
    for line in text.splitlines():
        n = re.search(r"\[(\d+)\]", line)
        if n:
            plain = re.sub(r"^\d+\.\s|\[\d+\]|\([A-Z]+-\d+\)", " ", line)
            assert check_figures(plain, [rows[int(n.group(1)) - 1]]).ok, line


def test_the_figure_check_would_catch_an_invented_figure(catalog):
    assert not check_figures("Wisp 1 Ultralight Tent: 650 g", [catalog.get("TNT-008").row_text()]).ok


def test_yes_no_answers_lead_with_yes_or_no_in_the_customer_s_language(catalog, parser):
    assert reply(catalog, parser, "is the Scree Low waterproof?")[0].startswith(
        "No. **Scree Low Hiking Shoe**"
    )
    assert reply(catalog, parser, "Ist der Scree Low wasserdicht?")[0].startswith("Nein.")
    text = reply(catalog, parser, "Does the carpet fit the Meadow 6?")[0]
    assert text.startswith("No:") and "does not fit this tent" in text


def test_a_comparison_is_a_table_of_what_both_have(catalog, parser):
    text = reply(catalog, parser, "Ridgeback 2 vs Wisp 1")[0]
    assert "| Price | 399.00 EUR | 329.00 EUR |" in text and "| Weight | 1900 g | 720 g |" in text
    assert "| Waterproof rating | 3,000 mm | 2,000 mm |" in text


def test_every_language_has_every_phrase():
    assert set(phrases()) == {"en", "de", "fr", "es", "it"}


# -- in the turn loop ------------------------------------------------------------------------------------------------
class CatalogRouter(Router):
    """Routes everything to catalog_query (the real router is tested in test_router.py)."""

    def __init__(self):
        super().__init__(HashEmbedder(), {"x": ["x"]})

    def route(self, message, history=None):
        scores = {"catalog_query": 1.0, "service_question": 0.5, "product_discovery": 0.2}
        return Route(intent="catalog_query", confidence=1.0, slots=self.slots(message), scores=scores)


@pytest.fixture
def app(settings, catalog) -> Assistant:
    store = ConversationStore.from_url(settings.db_url)
    services = Services({}, kb=FakeKB(demo_hits()), catalog=catalog, embedder=HashEmbedder())
    return Assistant(settings, store, services=services, router=CatalogRouter())


def test_a_catalog_turn_is_a_tool_call_with_cited_rows(app):
    answer = app.turn("cheapest tent", CUSTOMER)
    assert answer.intent == "catalog_query" and answer.tool_calls[0].name == "query_catalog"
    assert answer.text.startswith(
        "The cheapest tent we sell is the **Wisp 1 Ultralight Tent** (TNT-008): 329.00 EUR"
    )
    assert [c.anchor for c in answer.citations][:2] == ["TNT-008", "TNT-001"]
    assert answer.citations[0].url == "/docs/catalog.csv#TNT-008"


def test_a_message_that_is_no_catalog_query_goes_to_the_better_other_handler(app):
    answer = app.turn("what is your return window?", CUSTOMER)
    assert answer.intent == "service_question" and "30 days" in answer.text


def test_unmistakable_catalog_queries_skip_the_embedding(parser):
    assert parser.decisive_intent("Which tent is the lightest you sell?") == "catalog_query"
    assert parser.decisive_intent("Ridgeback 2 vs Wisp 1") == "catalog_query"
    assert parser.decisive_intent("is the Scree Low waterproof?") == "catalog_query"
    assert parser.decisive_intent("how heavy is the Bastion 2?") == "catalog_query"
    for message in (
        "what is your return window?",
        "how much is shipping for the Bastion 2?",
        "and for Summit members?",
    ):
        assert parser.decisive_intent(message) is None


def test_a_router_shortcut_routes_without_embedding():
    embedder = HashEmbedder()  # counts the texts it embeds
    router = Router(
        embedder, {"catalog_query": ["x"], "service_question": ["y"]}, shortcuts=[lambda m: "catalog_query"]
    )
    route = router.route("cheapest tent")
    assert route.intent == "catalog_query" and embedder.calls == 0


def test_the_same_message_is_parsed_once_and_callers_get_their_own_copy(parser):
    first = parser.parse("cheapest tent")
    first.arguments["kind"] = "changed"
    assert parser.parse("cheapest tent").arguments["kind"] == "tent"


def test_a_fact_about_something_else_is_not_the_row_s_figure(parser):
    assert parser.parse("how much is the Bastion 2").confidence >= 0.85
    assert parser.parse("how much is shipping for the Bastion 2?").confidence < 0.5
    assert parser.parse("can I return boots within 30 days?").operation is None  # days are no price


def test_a_kind_that_only_names_the_product_asks_nothing_it_fits(parser):
    # "tent" says what the Meadow 6 is; nothing is asked to fit it, so the help pages take the question
    parsed = parser.parse("does the meadow 6 tent take longer to arrive")
    assert parsed.operation is None
    assert parser.is_question_about(parsed, "does the meadow 6 tent take longer to arrive")
    assert parser.parse("which sleeping mats fit the ridgeback 2 tent").operation == "filter"


def test_a_size_of_a_named_product_is_answered_from_its_sizes(parser):
    parsed = parser.parse("does the talus mid come in size 44?")
    assert parsed.operation == "facts" and parsed.arguments["attribute"] == "sizes"
    assert set(parsed.arguments["products"]) == {"FTW-001", "FTW-002"}


def test_asking_whether_the_shop_sells_something_is_shopping_not_a_question_about_a_product(parser):
    parsed = parser.parse("do you sell waterproof hiking boots?")
    assert parsed.shopping and not parser.is_question_about(parsed, "do you sell waterproof hiking boots?")


def test_a_long_message_is_spell_checked_once_per_distinct_word(
    parser: CatalogQueryParser, monkeypatch
) -> None:
    """Fuzzy matching costs milliseconds a word: a 2 KB message repeating a few words (an attack shape) must not pay
    for every repetition (it took 0.7 s of a 1.1 s turn)."""
    import difflib

    asked: list[str] = []
    close_matches = difflib.get_close_matches

    def counting(word, *args, **kwargs):
        asked.append(word)
        return close_matches(word, *args, **kwargs)

    monkeypatch.setattr(difflib, "get_close_matches", counting)
    parser.parse(("twenty-two waterprooff " * 100)[:1999] + "!")
    # the typo check of sort words, the claim-word speller and the catalog's name speller: each sees a word once
    assert asked and max(asked.count(word) for word in asked) <= 3, sorted(set(asked))


def test_an_inflected_german_kind_word_is_the_kind():
    from assistant.commerce.lexicon import lexicon

    assert lexicon().german_kind("schlafsäcken") == "schlafsack" and lexicon().german_kind("kosten") is None


def test_a_ranking_word_of_several_meanings_takes_the_one_the_products_have_figures_for(catalog):
    from assistant.tools.catalog_query import sort_spec

    # "bigger" is how many a tent sleeps and how much a pack holds: the Daybreaks have a capacity, no sleeps
    spec, direction = sort_spec(catalog.index, "bigger", ["BPK-003", "BPK-004"])
    assert (spec.name, direction) == ("capacity", "desc")
    spec, _ = sort_spec(catalog.index, "bigger", ["TNT-001", "TNT-005"])
    assert spec.name == "persons"
