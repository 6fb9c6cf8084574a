"""German BM25 analysis: stems, folded accents, compounds split into the parts a shop's pages use."""

from __future__ import annotations

from retrieval.german import Decompounder
from retrieval.lexical import BM25Index, analyse, words


def test_words_fold_accents_instead_of_cutting_at_them():
    assert words("Rückgabe an der Straße") == ["ruckgabe", "an", "der", "strasse"]


def test_german_text_is_stemmed_without_its_function_words():
    assert analyse("Wir erstatten die Zahlungen", "de") == ["erstatt", "zahlung"]
    assert analyse("Free returns on orders") == ["free", "return", "order"]


def test_a_compound_splits_only_into_parts_the_vocabulary_holds():
    vocab = Decompounder(["karte", "zahlungen", "sendung", "kosten", "versand", "schicken"])
    assert vocab.parts("kreditkarte") == ["kart"]  # "kredit" is no word of these pages: the head alone
    assert vocab.parts("kartenzahlungen") == ["kart", "zahlung"]  # the linking "n" dropped
    assert vocab.parts("versandkosten") == ["versand", "kost"]
    assert vocab.parts("zuruckzuschicken") == ["zuruck", "schick"]  # a separable particle and its verb
    assert vocab.parts("osterreich") == []  # no head the pages use: left whole
    assert vocab.parts("karte") == []  # too short to be a compound


def test_a_german_question_finds_the_page_that_says_it_in_a_compound():
    pages = [
        "Für Kartenzahlungen verrechnen wir keine Gebühren.",
        "Zahlung mit Klarna: Raten bei Bestellungen ab 150 EUR.",
        "Free shipping on orders over 75 EUR",
    ]
    index = BM25Index(pages, ["de", "de", "en"])
    scores = index.scores("kostet die zahlung mit kreditkarte extra gebühren?")
    assert scores.argmax() == 0
    assert index.scores("is shipping free?").argmax() == 2  # English questions are analysed as before
