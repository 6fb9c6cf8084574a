"""Multi-turn conversations through the turn loop on the demo shop's catalog (real parser, tools, store; fake
embedder and index): each reply records what it was about, and the next turn's follow-up resolves against it."""

from __future__ import annotations

import pytest

from assistant import Assistant
from assistant.commerce.catalog import Catalog
from assistant.conversation.catalog_query import parser_for
from assistant.conversation.reply import Caller
from assistant.conversation.router import Route, Router
from assistant.services import Services
from assistant.settings import REPO_ROOT
from assistant.storage.store import ConversationStore
from tests.assistant.fakes import FakeKB, HashEmbedder

CUSTOMER = Caller(role="customer")


class CatalogOrSearchRouter(Router):
    """Unmistakable catalog queries to their handler (as the real router's shortcut), everything else to a product
    search: the route that started fresh searches over the whole shop for "is it in stock and how much"."""

    def __init__(self, catalog: Catalog):
        super().__init__(HashEmbedder(), {"x": ["x"]}, skus=[p.sku for p in catalog])
        self.parser = parser_for(catalog)

    def route(self, message, history=None):
        if self.parser.decisive_intent(message):  # the real router's shortcut
            return Route("catalog_query", 1.0, self.slots(message), {"catalog_query": 1.0})
        scores = {"catalog_query": 0.4, "product_discovery": 0.5, "service_question": 0.3}
        return Route(intent="product_discovery", confidence=0.6, slots=self.slots(message), scores=scores)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.from_csv(REPO_ROOT / "data" / "demo" / "catalog.csv")


@pytest.fixture
def app(settings, catalog) -> Assistant:
    store = ConversationStore.from_url(settings.db_url)
    # no help pages: a product question is never sent to them (routing is tested in test_router.py)
    services = Services({}, kb=FakeKB([]), catalog=catalog, embedder=HashEmbedder())
    return Assistant(settings, store, services=services, router=CatalogOrSearchRouter(catalog))


def talk(app: Assistant, *messages: str):
    session, replies = None, []
    for message in messages:
        reply = app.turn(message, CUSTOMER, session)
        session = reply.session_id
        replies.append(reply)
    return replies


def shown(reply) -> list[str]:
    return reply.about.products


def test_each_reply_records_what_it_was_about_and_the_store_keeps_it(app):
    first, _ = talk(app, "what's the warmest sleeping bag", "thanks")
    assert shown(first)[0] == "SLP-013" and first.about.query["operation"] == "rank"
    assert first.about.kind == "sleeping bag"
    stored = app.store.history(first.session_id)
    assert stored[0]["about"]["products"] == shown(first) and stored[1]["about"] == {}


def test_it_is_the_product_the_last_reply_led_with(app):
    warmest, price = talk(app, "what's the warmest sleeping bag", "is it in stock and how much")
    assert shown(price) == ["SLP-013"]  # the Expedition -25, not a jacket, a sun hat and a multi-tool
    assert "649.00 EUR" in price.text and "out of stock" in price.text


def test_two_questions_about_it_stay_about_it_and_a_kind_for_it_goes_with_it(app):
    _, both, poles = talk(
        app, "what's the lightest tent?", "how much is it and is it in stock?", "what poles do i need for it?"
    )
    assert shown(both) == ["TNT-008"] and "329.00 EUR" in both.text  # not cut into two parts that forget "it"
    assert set(shown(poles)) == {"ACC-004", "ACC-005"}  # the poles the catalog lists for the Wisp 1


def test_how_heavy_is_it_after_a_named_tent(app):
    about, weight = talk(app, "tell me about the Ridgeback 2 tent", "and how heavy is it?")
    assert shown(about) == ["TNT-001"]
    assert shown(weight) == ["TNT-001"] and "1900 g" in weight.text


def test_which_one_is_lighter_compares_only_the_products_shown(app):
    warmest, lighter = talk(app, "what's the warmest sleeping bag", "which one is lighter")
    assert set(shown(lighter)) == set(shown(warmest))
    weight = {s: app.agent.services["catalog"].index.figures[s]["weight"].value for s in shown(warmest)}
    assert [weight[s] for s in shown(lighter)] == sorted(weight.values())


def test_variants_of_the_boot_shown_gender_then_size(app):
    boots, mens, size = talk(app, "does the Talus Mid come in size 38?", "the men's one", "in size 44")
    assert set(shown(boots)) == {"FTW-001", "FTW-002"}
    assert shown(mens) == ["FTW-001"]
    assert shown(size) == ["FTW-001"] and "34 in stock" in size.text


def test_in_blue_looks_among_the_products_shown_and_their_siblings(app, catalog):
    warmest, blue = talk(app, "what's the warmest sleeping bag", "in blue?")
    blues = set(catalog.index.colour_values("blue"))  # Blue, Navy ...
    assert shown(blue) and all(set(catalog.get(s).colours) & blues for s in shown(blue))
    assert set(shown(blue)) <= {v for s in shown(warmest) for v in catalog.index.variants(s)}


def test_the_second_one_then_is_it_in_stock(app):
    tents, second, stock = talk(app, "what's the lightest tent?", "the second one", "is it in stock?")
    assert shown(second) == [shown(tents)[1]]
    assert shown(stock) == [shown(tents)[1]] and "in stock" in stock.text


def test_what_about_asks_the_same_question_of_another_product(app):
    scree, talus = talk(app, "is the Scree Low waterproof?", "what about the Talus Mid?")
    assert scree.text.startswith("No.")
    assert set(shown(talus)) == {"FTW-001", "FTW-002"} and talus.text.startswith("Yes.")


def test_a_german_follow_up(app):
    _, price = talk(app, "welcher Schlafsack ist am wärmsten?", "wie viel kostet er?")
    assert shown(price) == ["SLP-013"] and "649.00 EUR" in price.text and "nicht auf Lager" in price.text


def test_every_constraint_is_kept_and_nothing_internal_is_printed(app):
    (reply,) = talk(app, "cheapest waterproof hiking boots for men in stock")
    assert shown(reply)[0] == "FTW-001" and "Kids" not in reply.text
    assert "could not use" not in reply.text


def test_a_product_fact_reads_the_product_s_own_description(app):
    (reply,) = talk(app, "does the Clearflow filter take out viruses?")
    assert reply.text.startswith("No.") and "does not remove viruses" in reply.text


def test_a_named_product_s_row_stays_evidence_when_its_fields_do_not_answer(app):
    (reply,) = talk(app, "will the arete softshell keep me dry in a full day of rain?")
    # its description quoted (which sentence is the embedder's call: a fake one here), never "couldn't find" or "Yes"
    assert reply.outcome != "not_found" and "Arete Softshell Jacket" in reply.text
    assert [c.source for c in reply.citations] == ["catalog.csv"] and not reply.text.lower().startswith("yes")


def test_does_it_come_in_a_colour_is_a_yes_or_a_no_about_that_product(app):
    _, red, green = talk(
        app, "is the splash kids rain jacket in stock?", "does it come in red?", "is it available in green?"
    )
    assert red.text.startswith("Yes: **Splash Kids Rain Jacket**") and "Red" in red.text
    assert green.text.startswith("No: **Splash Kids Rain Jacket**") and "Yellow | Red | Navy" in green.text


def test_a_which_question_about_a_row_gets_the_sentence_without_a_yes(app):
    (reply,) = talk(app, "which batteries does the Beacon take?")
    assert reply.text.startswith("**Beacon 3 Avalanche Transceiver**") and "AAA" in reply.text
