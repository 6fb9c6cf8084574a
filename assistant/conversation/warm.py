"""Warming the turn loop before traffic, so that the first customer's question costs what the hundredth does.

Most of what a turn needs loads on first use: the embedder and the language detector, the router and the capability
map, the in-memory BM25 snapshot, the intent handlers and the YAML they read, the escalation and claim patterns
(compiled from data files), the case reader's libraries, the town gazetteer. `warm_up(agent)` loads the named ones,
then rehearses a few questions through the real decision path (`Agent.rehearse`: routed, answered and guarded,
nothing stored), which loads whatever else that path reaches, including what nobody thought to name here. The
public help pages are then read ahead in a background thread (`read_help_pages_ahead`); a server calls itself ready
only once that is done too (`assistant.http.state.AssistantHolder.ready`).

The rehearsed questions are not the ones the benchmarks and tests time: a reply cached by its text would make a
first request look fast for the wrong reason.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from assistant.conversation.compose import Evidence
from assistant.conversation.reply import Caller
from assistant.visibility import search_filters, visible_hits

if TYPE_CHECKING:
    from assistant.conversation.agent import Agent

log = logging.getLogger(__name__)

HELP_PAGE_TYPES = frozenset({"policy", "page"})  # what customers ask about (campaign briefs are marketers')
# One question per common path: a help-page question (search, composer, guard), a catalog superlative (catalog
# parser), a product search, a yes/no question (the condition words), a question in German (its stopwords, stemmer
# and phrases), two parts in one message (the splitter) and a case with figures (dates, lengths, money: dateparser,
# text2num, pint).
REHEARSALS = (
    "How long does delivery usually take?",
    "Can I pay by invoice?",
    "Which backpack is the lightest?",
    "I am looking for gloves for winter hiking",
    "Kann ich meine Bestellung umtauschen?",
    "Do you ship to Austria? And how much does the shipping cost?",
    "I ordered on Friday at 3 pm; can I still return it after sixty days?",
)


def warm_up(agent: Agent) -> None:
    """Load what the first turns would load, rehearse `REHEARSALS`, then start reading the help pages ahead."""
    from assistant.conversation.language import warm_up as warm_language
    from generation import answer_case, with_countries

    started = time.perf_counter()
    warm_language()
    agent.router.scores("hello")
    agent.capabilities.scores("hello", agent.services["embedder"])
    agent.services["kb"].search("returns", k=1)  # builds the in-memory BM25 snapshot
    warm = [Evidence(n=1, source="-", title="-", text="A warm-up sentence for the model.")]
    for _ in agent.answerer.answer("warm up", warm):
        pass
    # the case reader's libraries (dateparser's locale data, text2num, pint) load on first use: a second, once
    answer_case("ordered Friday 3 pm, chest 44 inches, sixty euros", warm)
    with_countries("delivery to Vienna")  # the gazetteer of towns: a second, once
    rehearsed = rehearse(agent)
    log.info("warmed up in %.1f s (%d questions rehearsed)", time.perf_counter() - started, rehearsed)
    if agent.settings.read_ahead:
        agent.reading_ahead = threading.Thread(
            target=read_help_pages_ahead, args=(agent,), name="read-ahead", daemon=True
        )
        agent.reading_ahead.start()


def rehearse(agent: Agent, questions: tuple[str, ...] = REHEARSALS) -> int:
    """Put each question through the turn's decision path as an anonymous customer; the number that went through.

    A question that fails is logged and skipped: warming saves time later and must never stop a server starting.
    """
    done = 0
    for question in questions:
        try:
            agent.rehearse(question, Caller(role="customer"))
            done += 1
        except Exception:
            log.exception("rehearsing %r failed; the first such question will load what it needs", question)
    return done


def still_warming(agent: Agent) -> bool:
    """Whether the help pages are still being read ahead (the first questions about them would wait or redo it)."""
    thread = agent.reading_ahead
    return thread is not None and thread.is_alive()


def read_help_pages_ahead(agent: Agent) -> None:
    """Embed and read the public help pages' units now: a customer's first question about a page then costs a
    search and a lookup, not tens of milliseconds of embedding per sentence on 2 busy cores."""
    from assistant.tools.catalog import with_sections
    from generation import read_ahead

    started = time.perf_counter()
    kb = agent.services["kb"]
    if not hasattr(kb, "chunks"):
        return
    try:
        hits = [
            h
            for h in visible_hits("customer", kb.chunks(search_filters("customer")))
            if (h.metadata or {}).get("doc_type") in HELP_PAGE_TYPES
        ]
        units = read_ahead(with_sections(kb, hits, "customer"), agent.services["embedder"].embed)
    except Exception:  # reading ahead saves time later; it must never keep the service from starting
        log.exception("reading the help pages ahead failed; the first questions will read them instead")
        return
    log.info("read %d help-page units ahead in %.1f s", units, time.perf_counter() - started)
