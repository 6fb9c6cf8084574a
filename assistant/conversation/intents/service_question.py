"""Service questions (shipping, returns, payment, sizing...): what the shop's capability map says for requests the
chat cannot fulfil itself ("where is my order"), else the help pages, answered by question type.

Several questions in one message get one answer each; a follow-up ("and for Summit members?") is answered as the
last topic plus its own words. Nothing found: say so and offer a person (offered, not opened).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.conversation import follow_up
from assistant.conversation.capabilities import Capability
from assistant.conversation.compose import Evidence
from assistant.conversation.intents import intent
from assistant.conversation.reply import TokenEvent, TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn
from assistant.tools.results import DocSearch

SEARCH_K = 6
ENTITY_K = 5
CAPABILITY_K = 8
MAX_QUESTIONS = 3


@intent("service_question")
def service_question(turn: Turn, route: Route, history: list[dict]) -> Iterator[TurnEvent]:
    from generation import split_questions, topics, with_countries

    # "Lieferung nach München" names a destination by its town: the rules by country apply to it
    query = with_countries(turn.query)
    questions = split_questions(query)[:MAX_QUESTIONS] or [query]
    # A follow-up joined to the last topic ("Welche Wasserfilter habt ihr? entfernt der squeeze filter viren?") asks
    # its own question only: the topic says where to look, and was answered in the last turn.
    looked_up = query if turn.query != turn.message and len(questions) > 1 else None
    own = None
    if looked_up:
        # the topic, no longer a question, stays beside it: it ranks the evidence ("in Italia"), the question leads
        topic = " ".join(q.rstrip(" ?？") for q in questions[:-1])
        own = follow_up.with_place(questions[-1], topic)
        questions = [f"{own} {topic}"]
        if topics(own) - topics(topic):
            looked_up = (
                own  # "and returns from there?" after shipping: its own subject, with the topic's place
            )
    if len(questions) == 1 and not turn.named_rows and not route.slots.get("parsed"):
        answered = yield from _from_named_products(turn, history)
        if answered:
            return
    offer = False
    outcomes = []
    for n, question in enumerate(questions):
        if n:
            yield TokenEvent(text="\n\n")
        match = turn.capability_for(question)
        hits = None
        if match is not None:
            hits = yield from _search(turn, search_query(looked_up or question, turn.language))
            if not _pages_answer_better(turn, match, question, hits):
                turn.intent = "capability" if len(questions) == 1 else turn.intent
                yield from _capability(turn, match, question)
                offer = offer or match.offer_person
                outcomes.append("answered")
                continue
        several = len(questions) > 1 or turn.in_parts
        answered = yield from _from_help_pages(
            turn, question, history, part=several, hits=hits, looked_up=looked_up, own=own
        )
        outcomes.append("answered" if answered else "not_found")
    if "not_found" in outcomes and len(questions) > 1:
        turn.outcome, turn.handoff_offered = "not_found", True
    elif offer and turn.outcome == "answered":
        yield from turn.offer_person()


def _from_named_products(turn: Turn, history: list[dict]) -> Iterator[TurnEvent]:
    """A question about products it names ("would the Lumen 900 Pro survive going under water?") is answered from
    their rows where one states it; otherwise the rows stay beside the help pages as evidence (`turn.named_rows`)."""
    from assistant.conversation.catalog_query import parser_for
    from assistant.conversation.intents.catalog_query import answer_from_product_rows

    parser = parser_for(turn.services.get("catalog"))
    parsed = parser.parse(turn.message) if parser is not None else None
    if parsed is None or not parsed.mentions or parsed.shopping:
        return False
    group = set(parsed.mentions[0])
    # named by its name, or so described that one product alone fits ("kids rain jacket"; "rain jacket" fits two,
    # "Summit-Mitglieder" three Summit jackets)
    if len(group) > 1 and not any(
        _written_as_name(parser.index.products[s].name, turn.message) for s in group
    ):
        return False
    return (yield from answer_from_product_rows(turn, parsed, history))


def _written_as_name(name: str, message: str) -> bool:
    """Whether the message names a product by the first word of its name, as a word of its own: "the Nordkette
    boots" does; "my rain jacket" (a kind, not the Drizzle) and "Summit-Mitglieder" (the club tier, not the Summit 800
    jacket) do not."""
    first = name.split()[0]
    return re.search(rf"(?<![\w-]){re.escape(first)}(?![\w-])", message, re.IGNORECASE) is not None


def search_query(question: str, language: str) -> str:
    """What to search the help pages for: a question in another language than the pages (English here, until the
    shop has pages in the customer's language) gets the English words of its shop vocabulary and the English names
    of the places and ways to pay it names."""
    from generation import english_terms, named_entities

    if language == "en":
        return question
    extra = english_terms(question) + [e.name for e in named_entities(question)]
    return f"{question} {' '.join(dict.fromkeys(extra))}".strip()


def _search(turn: Turn, query: str) -> Iterator[TurnEvent]:
    """The help pages' best hits for `query` (none when the search failed: the tool call says why)."""
    record = yield from turn.run_tool("search_docs", {"query": query, "k": SEARCH_K})
    return record.result.hits if record.ok and isinstance(record.result, DocSearch) else None


def _pages_answer_better(turn: Turn, capability: Capability, question: str, hits: list | None) -> bool:
    """Whether a help page states what `question` asks while the capability's prepared reply does not: the map's
    examples are matched by meaning, and "can I pay with Klarna?" is near "where is my invoice?" in meaning only."""
    from generation import LEAD_MIN, support_beside

    if not hits:
        return False
    pages, prepared = support_beside(question, hits, capability.reply_in(turn.language)[0])
    return pages >= LEAD_MIN and prepared < LEAD_MIN


def _from_help_pages(
    turn: Turn,
    question: str,
    history: list[dict],
    *,
    part: bool = False,
    hits: list | None = None,
    looked_up: str | None = None,
    own: str | None = None,
) -> Iterator[TurnEvent]:
    """The help pages' answer to `question`; `hits`: what a search for it already found; `looked_up`: what to search
    for instead of the question (a follow-up with its topic); `own`: the follow-up's own question, answered alone
    when the evidence states its answer ("can I split it into instalments?" after "what payment methods do you
    take?": the topic's words would bring back the topic's answer)."""
    from generation import english_terms, kind_probe, named_entities

    if hits is None:
        hits = yield from _search(turn, search_query(looked_up or question, turn.language))
    searched = hits is not None
    hits = list(hits or [])
    named = named_entities(question)
    if named and searched:
        # Evidence about the very thing asked for ("the UK"): a page that lists it must be there before the
        # answer may say it is not offered.
        kinds = dict.fromkeys(e.type for e in named)
        # In the customer's language where the shop has pages in it: the list of alternatives must be on the page
        # the answer quotes (a German question is answered from the German shipping table, not the English one).
        other = turn.language != "en"
        words = [e.name for e in named] + [e.surface for e in named if other]
        words += [kind_probe(k, every_name=other) for k in kinds] + english_terms(question)
        args = {"query": " ".join(dict.fromkeys(words)), "k": ENTITY_K}
        extra = yield from turn.run_tool(
            "search_docs", {**args, "language": turn.language} if other else args
        )
        if extra.ok and isinstance(extra.result, DocSearch):
            seen = {h.chunk_id for h in hits}
            hits += [h for h in extra.result.hits if h.chunk_id not in seen]
    rows = [turn.cite(i.source, i.name, text, i.anchor, "product") for i, text in turn.named_rows]
    hits = _about_the_named(turn, hits)
    pages = [turn.cite_hit(h) for h in hits]
    evidence = [*rows, *pages]
    # a follow-up's own question leads; the topic's case values (its destination, its order value) carry on. The
    # shop's rules are on its pages: the named products' rows come after them, not in the best-ranked places.
    worked_out = yield from _case_answer(
        turn, own or question, [*pages, *rows], context=question if own else ""
    )
    if worked_out:
        return True
    if own and _states_answer(turn, own, evidence):
        question = own
    outcome_before = turn.outcome
    answered = yield from turn.answer(evidence, history, question, part=part)
    if answered and turn.outcome != "quoted":
        turn.outcome = outcome_before  # one sub-question's answer does not undo another's "not found"
    return answered


def _about_the_named(turn: Turn, hits: list) -> list:
    """The hits that may speak of the products the question names: a passage about other products only ("The
    Stormline 3L fabric is rated at 20,000 mm") never answers a question about the Talus boots' membrane."""
    from assistant.conversation.catalog_query import parser_for

    parser = parser_for(turn.services.get("catalog"))
    asked = {getattr(info, "sku", None) for info, _ in turn.named_rows} - {None}
    if parser is None or not asked:
        return hits
    # every product the question names, beside the rows it reads ("trekking poles ... the wisp 1")
    asked |= {sku for group in parser.parse(turn.message).mentions for sku in group}

    def written_as_name(sku: str, text: str) -> bool:
        # a product is named by the first two words of its name, as written ("Stormline 3L"): one word alone is often
        # a word of the shop's own ("Kestrel Ridge", "Summit members", "Tent pole section"), and "wash by hand"
        # names no Hand Warmers
        lead = " ".join(parser.index.products[sku].name.split()[:2])
        return re.search(rf"(?<!\w){re.escape(lead)}(?!\w)", text) is not None

    def others_only(text: str) -> bool:
        named = {sku for group in parser.parse(text).mentions for sku in group if written_as_name(sku, text)}
        return bool(named) and not named & asked

    return [h for h in hits if not others_only(h.text)]


def _states_answer(turn: Turn, question: str, evidence: list[Evidence]) -> bool:
    """Whether `question` alone shares enough with `evidence` (found with the topic's words beside it) to be
    answered from it: the answer is then about what the follow-up asks, not what the topic asked."""
    from generation import compose

    found = compose(question, evidence, language=turn.language, embed=turn.services["embedder"].embed)
    return found is not None and found.kind != "not_offered"


def _case_answer(
    turn: Turn, question: str, evidence: list[Evidence], context: str = ""
) -> Iterator[TurnEvent]:
    """The customer's own case worked out from the shop's facts in `evidence` (the result, the rule, its source), or a
    question back for a value the rule needs; False when no rule of the evidence fits the question."""
    from generation import answer_case

    found = answer_case(question, evidence, turn.language, context=context)
    if found is None:
        return False
    cited = evidence[found.evidence - 1]
    # a page in another language than the customer's is quoted as it stands, and said to be so
    foreign = (cited.language or "en") != turn.language
    text = " ".join(
        turn.phrase(
            key, **{k: f"“{v}”" if foreign and k in found.PAGE_WORDS else v for k, v in values.items()}
        )
        for key, values in found.lines
    )
    turn.confidence = min(turn.confidence if turn.confidence is not None else 1.0, found.confidence)
    turn.worked_out.append(text)
    if found.clarify:
        turn.action = "clarify"
        yield from turn.say(text)
        return True
    if foreign:
        rule = f"{turn.phrase('in_english')} “{found.rule.strip()}”"
    else:
        rule = f"{turn.phrase('case_rule')} {found.rule}"
    yield from turn.say(f"{text}\n{rule} [{cited.n}]")
    yield from turn.emit_citation(cited)
    return True


def _capability(turn: Turn, capability: Capability, question: str) -> Iterator[TurnEvent]:
    """The capability's reply in the customer's language, cited from the help pages that back it."""
    # The shop's own reply is what must be backed: searching with it finds the rows that hold its phone numbers and
    # addresses, beside the passages the capability's query names.
    query = f"{capability.query} {capability.reply_in('en')[0]}"
    record = yield from turn.run_tool("search_docs", {"query": query, "k": CAPABILITY_K})
    hits = record.result.hits if record.ok and isinstance(record.result, DocSearch) else []
    cited: list[Evidence] = []
    for source in capability.sources:
        hit = next((h for h in hits if h.source == source), None)
        if hit is not None:
            cited.append(turn.cite_hit(hit))
    text, language = capability.reply_in(turn.language)
    if language != turn.language:
        text = f"{turn.phrase('in_english')} “{text}”"
    marks = "".join(f" [{ev.n}]" for ev in cited)
    turn.generated = True  # the shop's text is checked against the pages it cites, like any answer
    yield from turn.say(text.rstrip(".") + marks + "." if marks else text)
    for ev in cited:
        yield from turn.emit_citation(ev)
