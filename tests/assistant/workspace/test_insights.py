"""Insights from real conversation tables: unanswered (searched, cited nothing) and thumbs-down customer questions,
grouped by similarity, with counts, wordings, comments and the documents the searches came closest with."""

from __future__ import annotations

import csv
import io

import pytest

from assistant import Assistant, Caller
from assistant.conversation.reply import CitationOut, ToolCallRecord
from assistant.workspace.insights import group_texts
from tests.assistant.fakes import HashEmbedder
from tests.assistant.workspace.conftest import MARKETER


def _hit(source: str, heading: str, score: float, anchor: str = "") -> dict:
    return {"chunk_id": f"{source}#{anchor}", "source": source, "title": heading, "heading": heading,
            "anchor": anchor, "score": score, "text": "..."}  # fmt: skip


def _ask(
    app: Assistant, message: str, hits: list[dict], cited: bool = False, role: str = "customer"
) -> tuple[str, int]:
    sid = app.store.create_session(role)
    turn = app.store.add_turn(
        sid,
        message=message,
        reply="an answer [1]" if cited else "I could not find this in our help pages.",
        tool_calls=[
            ToolCallRecord(
                name="search_docs", arguments={"query": message}, result={"query": message, "hits": hits}
            )
        ],
        citations=[CitationOut(n=1, source="policies/returns.md", title="Returns")] if cited else [],
    )
    return sid, turn


def test_unanswered_and_disliked_questions_grouped_with_the_closest_pages(app: Assistant) -> None:
    shipping = _hit("policies/shipping.md", "Shipping › Delivery times", 0.41, "delivery-times")
    payment = _hit("pages/faq.md", "FAQ › Payment", 0.22, "payment")
    _ask(app, "Can I pay with bitcoin?", [payment])
    _ask(app, "can I pay with bitcoin", [payment])
    _ask(app, "Do you deliver to Iceland?", [shipping])
    sid, turn = _ask(app, "How long is the return window?", [], cited=True)  # answered ...
    app.add_feedback(
        Caller(role="customer"), sid, turn, -1, "it did not say for sale items"
    )  # ... but disliked
    _ask(app, "Do you ship to the moon?", [shipping], cited=True)  # answered and not disliked: not an insight
    _ask(app, "Can I pay with bitcoin?", [payment], role="marketer")  # the shop's own tests do not count

    report = app.insights(MARKETER)
    assert report.questions == 4
    by_question = {g.question.lower().rstrip("?"): g for g in report.groups}
    bitcoin = by_question["can i pay with bitcoin"]
    assert (
        bitcoin.asked == 2 and bitcoin.unanswered == 2 and bitcoin.thumbs_down == 0 and bitcoin.group_id == 1
    )
    assert [(d.source, d.anchor, d.seen) for d in bitcoin.closest] == [("pages/faq.md", "payment", 2)]
    assert bitcoin.closest[0].url == "/docs/pages/faq.md#payment"
    returns = by_question["how long is the return window"]
    assert returns.thumbs_down == 1 and returns.unanswered == 0
    assert returns.comments == ["it did not say for sale items"]
    assert by_question["do you deliver to iceland"].closest[0].title == "Shipping › Delivery times"

    rows = list(csv.DictReader(io.StringIO(app.insights_csv(MARKETER).content.decode("utf-8"))))
    assert rows[0]["Typical question"].lower().startswith("can i pay with bitcoin")
    assert (
        rows[0]["Times asked"] == "2"
        and "FAQ › Payment (pages/faq.md, score 0.22)" in rows[0]["Closest documents"]
    )


def test_no_failed_questions_is_an_empty_report(app: Assistant) -> None:
    _ask(app, "What is your return window?", [], cited=True)
    report = app.insights(MARKETER)
    assert report.groups == [] and report.questions == 0


def test_grouping_keeps_the_same_question_together_and_different_ones_apart() -> None:
    texts = ["Can I pay by PayPal?", "can i pay by paypal", "PayPal payment possible?", "Where is my parcel?"]
    labels = group_texts(texts, HashEmbedder(), similarity=0.5)
    assert labels[0] == labels[1] and labels[3] != labels[0]
    assert len(set(group_texts(texts, HashEmbedder(), similarity=0.999))) == 3  # only exact wordings merge
    assert group_texts([], HashEmbedder()) == [] and group_texts(["x"], HashEmbedder()) == [0]


@pytest.mark.slow
def test_paraphrases_group_with_the_bundled_sentence_embedder(settings) -> None:
    from retrieval import get_embedder

    embedder = get_embedder(settings.retrieval)
    texts = [
        "Can I pay with bitcoin?",
        "Do you accept cryptocurrency payments?",
        "Is gift wrapping available?",
        "Can you wrap my order as a present?",
        "Do you ship to Iceland?",
    ]
    labels = group_texts(texts, embedder)
    assert labels[0] == labels[1] and labels[2] == labels[3]
    assert len({labels[0], labels[2], labels[4]}) == 3


def test_questions_already_embedded_are_not_embedded_again():
    class Counting(HashEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.asked: list[str] = []

        def embed(self, texts):
            self.asked += list(texts)
            return super().embed(texts)

    embedder = Counting()
    first = group_texts(["where is my parcel", "do you sell kayaks", "gift wrapping?"], embedder)
    again = group_texts(
        ["where is my parcel", "do you sell kayaks", "gift wrapping?", "can I pay cash"], embedder
    )
    assert embedder.asked.count("where is my parcel") == 1 and "can i pay cash" in embedder.asked
    assert again[:3] == first
