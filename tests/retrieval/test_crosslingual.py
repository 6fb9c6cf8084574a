"""The cross-lingual channel: questions in a language the main model does not read are searched in a second index
of the same chunks embedded by the multilingual model; every index records its model (real models)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from retrieval import KnowledgeBase
from retrieval.config import RetrievalSettings
from retrieval.embedding import MULTILINGUAL, embedder_for
from retrieval.errors import IndexModelMismatch

RETURNS_EN = """# Returns and refunds

## Return window

You can return any unused item within 30 days of delivery for a full refund. You do not need to give a reason.

## Refunds

We refund to the original payment method within 14 days of receiving your parcel.

## Damaged parcels

If a parcel arrives damaged, send us photos within 14 days and we replace the goods.
"""

RETURNS_DE = """# Rückgabe und Erstattung

## Rückgabefrist

Sie können jeden unbenutzten Artikel innerhalb von 30 Tagen nach der Lieferung zurückgeben und erhalten den vollen
Preis zurück. Sie müssen keinen Grund angeben.

## Erstattung

Wir erstatten den Betrag innerhalb von 14 Tagen nach Eingang Ihres Pakets auf das ursprüngliche Zahlungsmittel.

## Beschädigte Pakete

Kommt ein Paket beschädigt an, schicken Sie uns innerhalb von 14 Tagen Fotos, und wir ersetzen die Ware.
"""

CARE_EN = """# Care guide

## Down jackets

Wash down as rarely as possible, at 30 degrees with a down cleaner, and tumble dry on low heat with tennis balls.

## Tents

Never pack a tent away wet for more than 24 hours: mould stains the coating.
"""


def _write_help_pages(root: Path) -> Path:
    (root / "policies" / "de").mkdir(parents=True)
    (root / "policies" / "returns.md").write_text(RETURNS_EN)
    (root / "policies" / "de" / "returns.md").write_text(RETURNS_DE)
    (root / "policies" / "care.md").write_text(CARE_EN)
    return root


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    return _write_help_pages(tmp_path_factory.mktemp("help"))


@pytest.fixture(scope="module")
def kb(tmp_path_factory, pages: Path, real_embedder) -> KnowledgeBase:
    kb = KnowledgeBase.open(RetrievalSettings(), tmp_path_factory.mktemp("chroma"), real_embedder)
    report = kb.sync([pages], progress=False)
    assert not report.failed and report.added
    return kb


def _top_heading(kb: KnowledgeBase, question: str, k: int = 1) -> list[str]:
    return [h.metadata["heading"].split(" > ")[-1] for h in kb.search(question, k=k)]


@pytest.mark.slow
def test_a_french_or_spanish_question_finds_the_english_section(kb: KnowledgeBase) -> None:
    assert _top_heading(kb, "Comment laver ma doudoune ?") == ["Down jackets"]
    assert _top_heading(kb, "¿Cuándo me devolvéis el dinero?") == ["Refunds"]


@pytest.mark.slow
def test_a_german_question_finds_the_german_section(kb: KnowledgeBase) -> None:
    question = "Wie lange habe ich Zeit, etwas zurückzuschicken?"
    # German pages exist, and a German question goes across by default: the German section comes first, and a
    # question only an English page answers finds that page
    first = kb.search(question, k=1)[0]
    assert (first.source, first.metadata["heading"].split(" > ")[-1]) == (
        "policies/de/returns.md",
        "Rückgabefrist",
    )
    assert _top_heading(kb, "Wie wasche ich meine Daunenjacke?") == ["Down jackets"]
    # without the setting it stays on the main index (MiniLM + BM25 over the German pages)
    kb.settings = kb.settings.model_copy(update={"crosslingual_for_page_languages": False})
    try:
        found = [(h.source, h.metadata["heading"].split(" > ")[-1]) for h in kb.search(question, k=2)]
        assert ("policies/de/returns.md", "Rückgabefrist") in found
    finally:
        kb.settings = kb.settings.model_copy(update={"crosslingual_for_page_languages": True})


@pytest.mark.slow
def test_english_questions_stay_on_the_main_model_and_both_indexes_hold_the_same_chunks(
    kb: KnowledgeBase,
) -> None:
    use = embedder_for(MULTILINGUAL)
    before = use.calls
    assert _top_heading(kb, "How long do I have to return an item?") == ["Return window"]
    assert use.calls == before  # the channel was not asked
    assert kb.channel is not None and kb.channel.model_name == use.name != kb.model_name
    assert kb.channel.index.model() == use.name and kb.index.model() == kb.model_name
    ids = [h.chunk_id for h in kb.chunks()]
    assert sorted(ids) == sorted(h.chunk_id for h in kb.channel.chunks())
    french = kb.search("Comment laver ma doudoune ?", k=1)[0]
    assert french.chunk_id in ids and kb.section(french)  # a channel hit is a hit of the main index


@pytest.mark.slow
def test_an_index_synced_before_the_channel_existed_still_answers(
    tmp_path: Path, pages: Path, real_embedder
) -> None:
    plain = RetrievalSettings(crosslingual_model=None)
    KnowledgeBase.open(plain, tmp_path / "chroma", real_embedder).sync([pages], progress=False)
    kb = KnowledgeBase.open(RetrievalSettings(), tmp_path / "chroma", real_embedder)
    # the channel is empty until the next sync: the main model answers meanwhile (not nothing)
    assert kb.channel is not None and kb.search("Combien de jours pour un retour ?", k=3)
    kb.sync([pages], progress=False)  # the next sync fills the channel
    assert kb.channel.count() == kb.count()
    assert _top_heading(kb, "Comment laver ma doudoune ?") == ["Down jackets"]


def test_an_index_is_never_synced_or_searched_with_another_model(
    tmp_path: Path, shop: Path, fake_embedder
) -> None:
    settings = RetrievalSettings(crosslingual_model=None)
    KnowledgeBase.open(settings, tmp_path / "chroma", fake_embedder).sync([shop], progress=False)

    class OtherModel(type(fake_embedder)):
        name = "another-model"

    other = KnowledgeBase.open(settings, tmp_path / "chroma", OtherModel())
    with pytest.raises(
        IndexModelMismatch, match="counting-fake.*another-model.*MKA_RETRIEVAL__EMBEDDING_MODEL"
    ):
        other.search("return policy")
    with pytest.raises(IndexModelMismatch):
        other.sync([shop], progress=False)
    assert other.index.count_raw() > 0 and other.index.model() == "counting-fake"  # nothing was changed


@pytest.mark.slow
def test_the_channel_calibration_moves_scores_not_the_ranking(kb: KnowledgeBase) -> None:
    question = "Comment laver ma doudoune ?"
    saved = kb.settings
    try:
        kb.settings = saved.model_copy(update={"crosslingual_calibration": None})
        raw = kb.search(question, k=4)
        kb.settings = saved.model_copy(update={"crosslingual_calibration": (2.0, 1.0)})
        calibrated = kb.search(question, k=4)
    finally:
        kb.settings = saved
    assert [h.chunk_id for h in raw] == [h.chunk_id for h in calibrated]
    for before, after in zip(raw, calibrated, strict=True):
        logit = math.log(before.score / (1 - before.score))
        assert after.score == pytest.approx(1 / (1 + math.exp(-(2.0 * logit + 1.0))), rel=1e-6)
    # English questions never pass through it
    kb.settings = saved.model_copy(update={"crosslingual_calibration": (2.0, 1.0)})
    try:
        english = kb.search("How do I wash a down jacket?", k=2)
    finally:
        kb.settings = saved
    assert [h.score for h in english] == [h.score for h in kb.search("How do I wash a down jacket?", k=2)]
