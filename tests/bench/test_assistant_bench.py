"""The assistant benchmark's scorer: facts as whole words in either decimal notation, the source as a document in any
of its languages, the action, and the reply's language from its own words."""

from bench.assistant import document_of, has_fact, load_questions, reply_language, score, split_of


def _item(**over):
    base = {"id": "x", "must": [], "not": [], "src": [], "act": "answer", "lang": "en", "handoffs": None}
    return {**base, **over}


def _reply(text, **over):
    return {"text": text, "action": "answer", "sources": [], "handoffs": 0, "evidence": text, **over}


def test_facts_are_whole_words_in_either_decimal_notation():
    assert has_fact("Der Versand kostet 4,95 EUR.", "4.95 EUR")
    assert not has_fact("Es kostet 14,95 EUR.", "4.95 EUR")
    assert has_fact("up to 1,500 EUR", "1,500 EUR")
    assert not has_fact("We ship to Norway.", "No")
    assert has_fact("jackets have a 3-year warranty", "3 years")
    assert not has_fact("jackets have a 3-year warranty", "5 years")
    assert has_fact("Sale items follow the normal 30-day return policy.", "30-day")


def test_a_translation_is_the_same_document():
    assert document_of("policies/de/returns.md") == "policies/returns.md"
    assert document_of("pages/store-locations.html") == "pages/store-locations.html"


def test_the_reply_language_comes_from_its_own_words_unless_it_has_too_few():
    assert reply_language("Nein, wir liefern nicht nach Kanada. Wir liefern nach Österreich [1].") == "de"
    quoted = "No. **Scree Low** (FTW-003): “The open mesh upper is not waterproof, so wet grass soaks through.” [1]"
    assert reply_language(quoted) == "en"
    it = "Le nostre informazioni su questo sono solo in inglese: “Returns are free in Austria [1].”"
    assert reply_language(it) == "it"


def test_a_reply_is_correct_only_with_every_fact_no_forbidden_one_the_source_and_the_action():
    item = _item(must=["30 days"], **{"not": ["Yes"]}, src=["policies/returns.md"])
    good = score(item, _reply("You have 30 days [1].", sources=["policies/de/returns.md"]))
    assert good["correct"] and good["source_ok"]
    assert not score(item, _reply("Yes, 30 days [1].", sources=["policies/returns.md"]))["correct"]
    faq = _reply("You have 30 days [1].", sources=["policies/faq.md"], evidence="Returns: within 14 days.")
    assert not score(item, faq)["correct"]
    # another page the turn read that states every required fact grounds it too (the strict reading is kept apart)
    stated = score(
        item, _reply("You have 30 days [1].", sources=["policies/faq.md"], evidence="30 days to return.")
    )
    assert stated["correct"] and not stated["correct_named_source"]
    handed = score(item, _reply("You have 30 days.", sources=["policies/returns.md"], action="handoff"))
    assert not handed["correct"] and handed["unrequested_handoff"]


def test_a_figure_outside_the_evidence_is_counted():
    result = score(_item(), _reply("It costs 9.99 EUR.", evidence="It costs 4.95 EUR."))
    assert result["unsupported_figures"] == ["9.99 EUR"]


def test_the_harness_has_enough_questions_and_a_fixed_held_out_split():
    questions = load_questions()
    assert len(questions) >= 250
    assert len({q["id"] for q in questions}) == len(questions)
    held = [q for q in questions if q["split"] == "held-out"]
    assert 0.2 < len(held) / len(questions) < 0.45
    assert all(split_of(q["id"]) == q["split"] for q in questions)
