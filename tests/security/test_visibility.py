"""The one visibility rule (assistant.visibility) and its three users: /docs pages, search_docs and citation links."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from assistant import Assistant, Caller, CitationEvent, CitationOut, DoneEvent, Reply, TokenEvent
from assistant.errors import NotFound
from assistant.services import Services
from assistant.storage.store import ConversationStore
from assistant.tools import ToolContext
from assistant.tools.catalog import search_docs
from assistant.visibility import DocumentShelf, may_see, visibility_of

CUSTOMER = Caller(role="customer")
SIGNED_IN = Caller(role="customer", customer_id="C1")
MARKETER = Caller(role="marketer")


@pytest.mark.parametrize(
    ("source", "meta", "root", "expected"),
    [
        ("policies/returns.md", {"doc_type": "policy"}, None, "public"),
        ("catalog.csv", {"doc_type": "product"}, None, "public"),
        ("campaigns/alpine.yaml", {}, None, "internal"),
        ("briefs/alpine.yaml", {"doc_type": "campaign"}, None, "internal"),
        ("faq.md", {}, "/srv/var/uploads", "internal"),  # uploads are internal by default
        ("faq.md", {"root": "/srv/var/uploads"}, None, "internal"),  # the chunk's recorded root counts
        ("internal/pricing.md", {"doc_type": "policy"}, None, "internal"),
        ("campaigns/teaser.md", {"visibility": "public"}, None, "public"),  # the document's own word wins
        ("policies/draft.md", {"visibility": "internal"}, None, "internal"),
        ("policies/odd.md", {"visibility": "secret-ish"}, None, "internal"),  # unknown values fail closed
    ],
)
def test_the_rule(source: str, meta: dict, root: str | None, expected: str) -> None:
    assert visibility_of(source, meta, root) == expected


def test_who_sees_what() -> None:
    assert may_see(MARKETER, "internal") and may_see(MARKETER, "public")
    assert may_see(CUSTOMER, "public") and may_see(SIGNED_IN, "public")
    assert not may_see(CUSTOMER, "internal") and not may_see(SIGNED_IN, "internal")


@dataclass
class Source:
    source: str
    doc_type: str
    root: str
    visibility: str | None = None


@dataclass
class ShelfKB:
    infos: list[Source] = field(default_factory=list)

    def sources(self) -> list[Source]:
        return self.infos


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    for rel, text in {
        "policies/returns.md": "# Returns\n",
        "policies/draft.md": "# Draft\n\nNot yet.\n",
        "campaigns/alpine.yaml": "name: alpine\nbanned_claims: [cheapest]\n",
    }.items():
        (tmp_path / "shop" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "shop" / rel).write_text(text)
    (tmp_path / "secret.txt").write_text("outside")
    return tmp_path / "shop"


def test_pages_follow_the_indexed_metadata(shop: Path) -> None:
    root = str(shop.resolve())
    kb = ShelfKB([Source("policies/draft.md", "policy", root, visibility="internal")])
    shelf = DocumentShelf([shop], kb)
    assert shelf.open(CUSTOMER, "policies/returns.md").visibility == "public"
    with pytest.raises(NotFound):
        shelf.open(CUSTOMER, "policies/draft.md")  # public by path, internal by its own metadata
    assert shelf.open(MARKETER, "policies/draft.md").path.name == "draft.md"
    with pytest.raises(NotFound):
        shelf.open(SIGNED_IN, "campaigns/alpine.yaml")
    assert shelf.open(MARKETER, "campaigns/alpine.yaml#banned").source == "campaigns/alpine.yaml"


@pytest.mark.parametrize(
    "bad", ["../secret.txt", "policies/../../secret.txt", "", "a\x00b", "x" * 5000, "nope.md"]
)
def test_nothing_outside_the_shelf(shop: Path, bad: str) -> None:
    with pytest.raises(NotFound):
        DocumentShelf([shop]).open(MARKETER, bad)


@dataclass
class Hit:
    chunk_id: str
    source: str
    text: str
    metadata: dict[str, Any]
    title: str = "t"
    anchor: str = ""
    score: float = 1.0


class SearchKB:
    """An index that records the filters it was given and ignores the visibility one (as an index built before
    chunks carried it would match nothing; here it matches everything, so the rule on the results must decide)."""

    def __init__(self, hits: list[Hit]):
        self.hits = hits
        self.filters: list[dict] = []

    def search(
        self, query: str, k: int = 5, filters: Any = None, *, language: str | None = "auto"
    ) -> list[Hit]:
        wanted = dict(filters or {})
        self.filters.append(dict(wanted))
        wanted.pop("visibility", None)
        return [h for h in self.hits if all(h.metadata.get(key) == v for key, v in wanted.items())][:k]


def test_search_docs_applies_the_same_rule() -> None:
    hits = [
        Hit("1", "policies/returns.md", "30 days to return", {"doc_type": "policy", "visibility": "public"}),
        Hit("2", "policies/staff.md", "staff discount 40%", {"doc_type": "policy", "visibility": "internal"}),
        Hit("3", "faq.md", "uploaded faq", {"doc_type": "other"}),  # no visibility key: path rule (public)
    ]
    kb = SearchKB(hits)
    ctx = {"services": {"kb": kb}}
    customer = search_docs.run(ToolContext(role="customer", **ctx), {"query": "discount", "k": 5})
    assert {h.source for h in customer.hits} == {"policies/returns.md", "faq.md"}
    assert all(f.get("visibility") == "public" for f in kb.filters)  # the index is asked for public ones only
    asked = search_docs.run(ToolContext(role="customer", **ctx), {"query": "x", "doc_type": "policy"})
    assert {h.source for h in asked.hits} == {"policies/returns.md"}
    kb.filters.clear()
    marketer = search_docs.run(ToolContext(role="marketer", **ctx), {"query": "discount", "k": 5})
    assert "policies/staff.md" in {h.source for h in marketer.hits}
    assert not any("visibility" in f for f in kb.filters)


class CitingAgent:
    """A turn loop that cites a public policy, an internal brief and a source with no page."""

    def stream_turn(
        self, message: str, caller: Caller, session_id: str | None = None, turn_key=None
    ) -> Iterator:
        cites = [
            CitationOut(n=1, source="policies/returns.md", title="Returns", url="/docs/policies/returns.md"),
            CitationOut(
                n=2, source="campaigns/alpine.yaml", title="Alpine", url="/docs/campaigns/alpine.yaml"
            ),
            CitationOut(n=3, source="gone.md", title="Gone", url="/docs/gone.md"),
        ]
        yield TokenEvent(text="answer [1][2][3]")
        for c in cites:
            yield CitationEvent(citation=c)
        yield DoneEvent(reply=Reply(session_id="s", turn_id=1, text="answer [1][2][3]", citations=cites))


def test_citations_never_link_to_what_the_caller_may_not_open(settings, shop: Path) -> None:
    settings.demo_dir = shop
    store = ConversationStore.from_url(settings.db_url)
    app = Assistant(settings, store, services=Services({}), agent=CitingAgent())
    for caller, expected in ((CUSTOMER, {1, 3}), (MARKETER, {1, 2, 3})):
        events = list(app.stream_turn("q", caller))
        streamed = {e.citation.n: e.citation for e in events if isinstance(e, CitationEvent)}
        final = {c.n: c for c in events[-1].reply.citations}
        assert set(streamed) == set(final) == expected
        assert final[1].url == "/docs/policies/returns.md"
        assert final[3].url is None  # no page behind it: no dead link


@pytest.mark.parametrize(
    "path",
    [".assistant/capabilities.yaml", "README.md", "readme.txt", "policies/.hidden.md", "pages/kb.yaml"],
)
def test_files_that_are_no_shop_document_are_not_served(path: str) -> None:
    """Notes about the data, hidden folders and manifests are not documents: the same 404 for everyone."""
    demo = Path(__file__).resolve().parents[2] / "data" / "demo"
    shelf = DocumentShelf([demo])
    for who in ("customer", "marketer"):
        with pytest.raises(NotFound):
            shelf.open(Caller(role=who), path)
    assert shelf.open(Caller(role="customer"), "catalog.csv").visibility == "public"
