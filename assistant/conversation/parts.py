"""One message, several parts: "My boots came apart after a month. Do you repair them? And do you sell laces?"

A message is cut into sentences and questions (`generation.split_questions` for "... and can I ..."), each piece is
routed, and the pieces are grouped into parts that each go to one handler:

- a statement the router is not sure of ("My boots came apart after a month.") is context for the question after it;
- neighbours routed the same way stay together (the help-page handler answers several questions itself);
- greetings and thanks ("Hi!", "thanks") are dropped when the message asks something else.

    parts = split_parts(message, route_of)     # route_of(text) -> Route
    [Part(text="My boots came apart after a month. Do you repair them?", route=...), Part(text="And do you ...")]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from assistant.conversation.intents import handler_for
from assistant.conversation.reply import TokenEvent, TurnEvent
from assistant.conversation.router import Route
from assistant.conversation.turn import Turn

MAX_PARTS = (
    4  # more pieces than this: the message is answered whole (a pasted text is not a list of questions)
)
SURE_STATEMENT = (
    0.5  # a statement routed at least this surely is a request of its own ("I want to cancel my order.")
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=\S)")
_DROPPABLE = frozenset({"small_talk"})
# A reply of several parts keeps the outcome that matters most for the customer: a handoff, a contact asked for,
# then something not found (a person is offered), then an offer.
_OUTCOME_ORDER = ("handoff", "awaiting_contact", "not_found", "quoted", "offered", "answered")


@dataclass
class Part:
    """A piece of the message and where it goes."""

    text: str
    route: Route

    @property
    def key(self) -> tuple[str, str | None]:
        return self.route.intent, self.route.slots.get("capability")


def pieces(message: str) -> list[str]:
    """The message's sentences, each cut further at a joined second question ("... and can I pay by card?")."""
    from generation import split_questions

    out: list[str] = []
    for sentence in _SENTENCE_END.split(message.strip()):
        out += split_questions(sentence) or [sentence]
    return [p.strip() for p in out if p.strip()]


def split_parts(message: str, route_of: Callable[[str], Route]) -> list[Part]:
    """The message's parts, each routed; none (answer the message whole) where it makes fewer than two parts."""
    texts = pieces(message)
    if len(texts) < 2 or len(texts) > MAX_PARTS:
        return []
    routed = [Part(text, route_of(text)) for text in texts]
    merged: list[Part] = []
    pending = ""  # unsure statements, carried into the next piece as its context
    for part in routed:
        if merged and not pending and (_says_more_of_the_last(part) or _asks_nothing_of_its_own(part)):
            merged[-1] = Part(f"{merged[-1].text} {part.text}", merged[-1].route)
            continue
        if _is_context(part):
            pending = f"{pending} {part.text}".strip()
            continue
        if pending:
            joined = Part(f"{pending} {part.text}", route_of(f"{pending} {part.text}"))
            if joined.route.intent == "off_topic" != part.route.intent:
                # the statement was a request of its own ("write me a poem about my cat."): it keeps its reply
                merged.append(Part(pending, route_of(pending)))
            else:
                part = joined
            pending = ""
        if merged and merged[-1].key == part.key:
            merged[-1] = Part(f"{merged[-1].text} {part.text}", merged[-1].route)
        else:
            merged.append(part)
    if pending:  # a statement at the end belongs to the part before it, or is the whole message
        if not merged:
            return []
        joined = f"{merged[-1].text} {pending}"
        if route_of(joined).intent == "off_topic" != merged[-1].route.intent:
            merged.append(Part(pending, route_of(pending)))  # a request of its own, after the question
        else:
            merged[-1] = Part(joined, merged[-1].route)
    kept = [p for p in merged if p.route.intent not in _DROPPABLE] or merged
    return kept if len(kept) > 1 else []


def _says_more_of_the_last(part: Part) -> bool:
    """A statement that points back to what was just asked ("is the Tarn rope dry-treated? want it for ice
    climbing"): the customer's reason, part of that question, not a request of its own."""
    from generation import points_back

    return not part.text.rstrip().endswith("?") and points_back(part.text)


def _asks_nothing_of_its_own(part: Part) -> bool:
    """ "what would you suggest?", "was könnt ihr empfehlen?" after what the customer needs: the question of that
    statement, with no word of its own beyond asking (stop words and the words of asking for advice)."""
    from assistant.commerce.lexicon import lexicon
    from assistant.conversation.intents.product_discovery import RECOMMEND_WORDS, is_vague

    words = re.findall(r"[^\W\d_]+", part.text.lower())
    own = [w for w in words if w not in lexicon().stopwords and not RECOMMEND_WORDS.fullmatch(w)]
    return bool(words) and (not own or is_vague(part.text))


def _is_context(part: Part) -> bool:
    """A statement (no question mark) the router is unsure of, or one that gives the customer's own case ("chest is
    112 cm, waist 100.", "my order was 60 euros."): background for the question that follows."""
    from generation import asks_question, read_case

    if part.text.rstrip().endswith("?") or part.route.intent in _DROPPABLE:
        return False
    # The help-page handler answers questions; a statement routed there asks none ("we're off trekking in Asia"),
    # and one outside the shop's scope is the customer's background ("forecast is rain rain rain."), not a request
    asks_nothing = part.route.intent in ("service_question", "off_topic") and not asks_question(part.text)
    return asks_nothing or part.route.confidence < SURE_STATEMENT or read_case(part.text).given


def answer_parts(turn: Turn, parts: list[Part], history: list[dict]) -> Iterator[TurnEvent]:
    """Each part answered by its own handler, in order, in one reply; the turn keeps the whole message."""
    message, outcomes = turn.message, []
    turn.intent = parts[0].route.intent
    for n, part in enumerate(parts):
        if n:
            yield TokenEvent(text="\n\n")
        turn.message = turn.query = part.text
        turn.outcome, turn.in_parts = "answered", True
        yield from handler_for(part.route.intent)(turn, part.route, history)
        outcomes.append(turn.outcome)
    turn.message = turn.query = message
    turn.outcome = min(
        outcomes, key=lambda o: _OUTCOME_ORDER.index(o) if o in _OUTCOME_ORDER else len(_OUTCOME_ORDER)
    )
