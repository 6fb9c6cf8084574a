"""A marketer's copy request read into typed slots: the campaign it names, channel, products, customer, segment, the
discount or offer asked for and the claims the copy should make.

The slots go to the `check_copy_request` tool as they are; nothing here decides whether they are allowed. Claims and
discounts are read by `claim_ask` (so "100% waterproof" is a claim to check, never words to search the catalog with),
products by their names by `product_names`; SKU-like tokens are kept even when the catalog lacks them, so the check
can say so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from assistant.conversation.claim_ask import CLAIM_ASK, QUOTED, offers_and_claims
from assistant.conversation.product_names import products_by_name
from assistant.conversation.router import customer_id_in
from generation import campaign_words, extract_claims

_SKU = re.compile(r"\b[A-Za-z]{2,6}-\d{2,6}\b")
_CUE = re.compile(r"\b(campaigns?|briefs?|promo(?:tion)?s?|launch|kampagne\w*|campagne|campañas?)\b", re.I)
_COMPOUND = re.compile(
    r"\b([^\W\d_]{3,}?)s?kampagne\w*", re.I
)  # "Winterkampagne": the name is the first part
BRIEF_NAME_SCORE = 85  # rapidfuzz partial-ratio at which a misspelt brief name still names it
# A brief id ("winter-trail-2026") is read token by token: the unanchored pattern, tried from every word start, is
# quadratic on a long run of hyphenated words (tests/security/test_regex_budget.py).
_TOKEN = re.compile(r"[\w-]+")
_ID = re.compile(r"^[a-z]+(?:-[a-z]+)*-20\d\d$")
# Words that end a campaign name read backwards from "campaign" ("ads for our Black Friday campaign").
_NAME_STOP = re.compile(
    r"^(for|in|of|on|to|about|the|our|my|a|an|with|from|and|or|this|that|its|next|upcoming|"
    r"für|fuer|die|der|das|den|dem|des|unsere[mnrs]?|unser|eine[mnrs]?|ein|mit|zur|zum|im|bitte|pour|la|le|les)$",
    re.I,
)
# "segment" is found first and the words around it are read from a short window: one pattern with the words before
# it tried from every word start is quadratic on a long run of apostrophes (tests/security/test_regex_budget.py).
_SEGMENT_WORD = re.compile(r"\bsegment\b", re.I)
_WORD_CHARS = re.compile(r"[\w'’]*")
_NOT_A_LETTER = re.compile(r"^[^A-Za-z]+")
_WORDS_AFTER = re.compile(r"[\"“']?([A-Za-z][\w'’ -]{1,30})")
_SEGMENT_NOISE = {
    "the", "a", "this", "that", "our", "which", "what", "each", "every", "customer", "for", "to", "in", "target",
    "right", "best", "same", "whole", "one", "another", "any", "of", "at", "from",
}  # fmt: skip


AUDIENCE = re.compile(
    r"\b(who (?:should|will|would|do we|to)|should (?:they|we) get|which (?:customers|segments?|people)|target\w*|audience|send (?:it|this|them) "
    r"to|zielgruppe|wer soll\w*|welche kunden)\b",
    re.I,
)
_COPY_TASK = re.compile(
    r"\b(write|draft|create|compose|ads?|advert\w*|copy|headlines?|subject lines?|captions?|posts?|tweets?|"
    r"newsletter|e-?mails?|mails?|sms|rsa|schreib\w*|erstell\w*|entw[uü]rf\w*|anzeigen?)\b",
    re.I,
)


def marketer_task(message: str, slots: dict[str, Any], brief_names: list[str] = ()) -> str | None:
    """The marketer intent a message reads as: who a campaign is for (segment_analysis), copy to draft or a claim
    to check (ad_copy: it names a channel, a writing task, a claim, or a brief by its name), a customer's record
    (segment_analysis); None when it reads as none of these."""
    names_brief = bool(brief_mention(message, list(brief_names))[0]) or any(
        _ID.match(t.group()) for t in _TOKEN.finditer(message)
    )
    campaign = _CUE.search(message) or names_brief
    if campaign and AUDIENCE.search(message) and not _COPY_TASK.search(message):
        return "segment_analysis"
    if slots.get("channel") or _COPY_TASK.search(message) or CLAIM_ASK.search(message):
        return "ad_copy"
    if any(
        c.positive and c.kind != "promo" and any(ch.isdigit() for ch in c.text)
        for c in extract_claims(message)
    ):
        return "ad_copy"  # "100% waterproof": a claim to check, not a product search
    if names_brief and not slots.get("customer_id"):
        return "ad_copy"  # "add TNT-013 to First Nights Out", "first nights out: 10% off everything"
    if slots.get("customer_id"):
        return "segment_analysis"  # "what should we push to customer CUST-7731 next?"
    return None


YES = re.compile(
    r"^\s*(yes|yeah|yep|ok(ay)?|sure|go ahead|do it|please do|ja|passt|draft (it )?without|without( it| one)?)\b",
    re.I,
)


def pending_copy_request(history: list[dict]) -> dict[str, Any] | None:
    """The slots of the last turn's questioned copy request, if that turn asked one."""
    last = history[-1] if history else {}
    return ((last.get("about") or {}).get("query") or {}).get("copy_request")


def answers_copy_question(message: str, history: list[dict]) -> bool:
    """Whether `message` says yes to the last turn's question about a copy request ("yes, draft without it")."""
    return bool(YES.search(message)) and pending_copy_request(history) is not None


@dataclass
class CopyAsk:
    """The slots of one copy request (the arguments of `check_copy_request`)."""

    request: str
    brief: str | None = None  # the campaign name as written ("Black Friday Mega Sale 2026"), or an id
    channel: str | None = None
    skus: list[str] = field(default_factory=list)
    segment: str | None = None
    customer_id: str | None = None
    discount: str | None = None
    claims: list[str] = field(default_factory=list)
    confirmed: bool = False  # the marketer said to draft without what the brief does not grant
    by_name: bool = False  # the products were read from their names, not given as SKUs
    claim_spans: list[tuple[int, int]] = field(default_factory=list)
    # where the brief, discount and claims were read
    spans: list[tuple[int, int]] = field(default_factory=list)

    def tool_args(self) -> dict[str, Any]:
        args = {
            "request": self.request, "brief": self.brief, "channel": self.channel, "skus": self.skus,
            "segment": self.segment, "customer_id": self.customer_id, "discount": self.discount, "claims": self.claims,
            "confirmed": self.confirmed,
        }  # fmt: skip
        return {k: v for k, v in args.items() if v not in (None, [], "", False)}

    def pending(self) -> dict[str, Any]:
        """The slots as stored with a questioned turn (for the marketer's "yes, draft without it")."""
        return {**self.tool_args(), "request": self.request}

    def search_text(self) -> str:
        """The request without the campaign name, discount and claims: what a product search may use."""
        text = self.request
        for start, end in sorted(self.spans, reverse=True):
            text = text[:start] + " " + text[end:]
        return " ".join(text.split())


def brief_mention(message: str, names: list[str]) -> tuple[str | None, tuple[int, int] | None]:
    """A brief's own name in the message, misspelt or not ("for Ridge Season Openr", "above the treline")."""
    low = message.lower()
    best = None
    for name in names:
        if len(name.split()) < 2:
            continue  # a one-word name would match any sentence with that word
        found = fuzz.partial_ratio_alignment(name.lower(), low, score_cutoff=BRIEF_NAME_SCORE)
        if found is not None and (best is None or found.score > best[0]):
            best = (found.score, name, (found.dest_start, found.dest_end))
    return (best[1], best[2]) if best else (None, None)


def campaign_name(message: str, names: list[str] = ()) -> tuple[str | None, tuple[int, int] | None]:
    """The campaign a message names, as written: an id, a brief's name (`names`, misspelt too), a quoted name next
    to "campaign", the words before "campaign" ("our Black Friday Mega Sale 2026 campaign") or before "-kampagne"
    ("Winterkampagne"); None when those say nothing ("our current campaign")."""
    for token in _TOKEN.finditer(message):
        if _ID.match(token.group()):
            return token.group(), token.span()
    named, span = brief_mention(message, list(names))
    if named:
        return named, span
    compound = _COMPOUND.search(message)
    if compound:
        return compound.group(1), compound.span()
    for cue in _CUE.finditer(message):  # "launch the ... campaign": the first cue with a name before it
        quoted = next((q for q in QUOTED.finditer(message) if abs(q.start() - cue.start()) < 40), None)
        if quoted:
            return quoted.group(1).strip(), quoted.span()
        named, span = _name_before(message, cue)
        if named:
            return named, span
    return None, None


def _name_before(message: str, cue: re.Match[str]) -> tuple[str | None, tuple[int, int] | None]:
    """The words right before a cue ("our Black Friday Mega Sale 2026 campaign", "die Trail-Kampagne")."""
    tokens = list(re.finditer(r"[\w'’&-]+", message[: cue.start()]))
    taken: list[re.Match[str]] = []
    end = cue.start()
    for tok in reversed(tokens):
        if _NAME_STOP.match(tok.group(0)) or re.search(r"[,.;:!?\"“”()]", message[tok.end() : end]):
            break  # a name runs up to "campaign" without a stop word or a punctuation mark between
        taken.insert(0, tok)
        end = tok.start()
    words = campaign_words()
    empty = set(words["stopwords"]) | set(words["current_cues"]) | _channel_words()
    while taken and taken[0].group(0).lower() in empty:
        taken.pop(0)  # "Meta ads campaign", "email campaign": the channel, not a name
    if not taken or all(t.group(0).lower().strip("-") in empty for t in taken):
        return None, None
    return message[taken[0].start() : taken[-1].end()].strip("-") or None, (taken[0].start(), cue.end())


@lru_cache(maxsize=1)
def _channel_words() -> set[str]:
    from assistant.conversation.router import CHANNEL_ALIASES  # (the router imports nothing of this module)

    return {w for aliases in CHANNEL_ALIASES.values() for a in aliases for w in a.split()} | {
        "ad",
        "ads",
        "x",
    }


def _words_around(segment: re.Match) -> str | None:
    """Up to four words right before "segment" ("the at-risk segment"), else the words after it ("segment Loyal")."""
    message = segment.string
    before = message[max(0, segment.start() - 160) : segment.start()]
    if before[-1:].isspace():
        parts = re.split(r"([ -])", before.rstrip())  # word, separator, word, ...
        words: list[str] = []
        for i in range(len(parts) - 1, max(-1, len(parts) - 8), -2):
            word = _NOT_A_LETTER.sub("", _WORD_CHARS.match(parts[i][::-1]).group()[::-1])
            if not word:
                break
            words[:0] = [parts[i - 1], word] if i else [word]
            if word != parts[i]:  # "(loyal": the word starts inside the token, nothing before it belongs
                break
        phrase = "".join(words).lstrip(" -")
        if phrase:
            return phrase
    rest = message[segment.end() : segment.end() + 40]
    after = _WORDS_AFTER.match(rest.lstrip()) if rest[:1].isspace() else None
    return after.group(1) if after else None


def segment_phrase(message: str, known: str | None) -> str | None:
    """The segment a message names: the router's known one, else the words before or after "segment"."""
    if known:
        return known
    phrase = next(filter(None, map(_words_around, _SEGMENT_WORD.finditer(message))), None)
    if not phrase:
        return None
    words = [w for w in re.split(r"\s+", phrase.strip()) if w]
    while words and words[0].lower() in _SEGMENT_NOISE:
        words.pop(0)
    return " ".join(words) or None


def read_copy_request(
    message: str,
    slots: dict[str, Any],
    catalog: Any = None,
    brief_names: list[str] = (),
    brief_words: set[str] = frozenset(),
) -> CopyAsk:
    """The slots of a copy request, from the message and the router's slots (channel, SKUs, segment); `brief_names`
    are the names of the briefs on file (a name the message uses is the campaign, never product words), and
    `brief_words` the words of their ids and names ("alpine", "winter": they name a campaign, not a product)."""
    brief, brief_span = campaign_name(message, brief_names)
    discount, claims = offers_and_claims(message, brief_span, asks_copy=bool(_COPY_TASK.search(message)))
    ask = CopyAsk(
        request=message,
        brief=brief,
        channel=slots.get("channel") or other_channel(message),
        discount=discount,
    )
    ask.claims = [text for text, _, _ in claims]
    ask.claim_spans = claim_spans = [(s, e) for _, s, e in claims]
    ask.spans = [*claim_spans] + ([brief_span] if brief_span else [])
    if discount:
        start = message.find(discount)
        ask.spans.append((start, start + len(discount)))
    ask.customer_id = slots.get("customer_id") or customer_id_in(message)
    if ask.customer_id:  # "CUST-7731" is the customer, not a SKU
        at = message.upper().find(ask.customer_id)
        ask.spans.append((at, at + len(ask.customer_id)))
    inside = [span for span in ask.spans if span]
    tokens = [  # "summer-2027" in a brief's id is no SKU
        m.group(0).upper() for m in _SKU.finditer(message) if not any(s <= m.start() < e for s, e in inside)
    ]
    ask.skus = list(dict.fromkeys([*slots.get("skus", []), *tokens]))
    if not ask.skus:
        ask.skus = products_by_name(ask.request, ask.spans, claim_spans, catalog, brief_words)
        ask.by_name = bool(ask.skus)
    ask.segment = segment_phrase(message, slots.get("segment"))
    return ask


def other_channel(message: str) -> str | None:
    """A channel the message names that the drafter does not write for ("TikTok"), lower-cased."""
    words = set(re.findall(r"[^\W\d_]+", message.lower()))
    return next((c for c in campaign_words().get("other_channels", []) if c in words), None)


def _without(message: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        message = message[:start] + " " + message[end:]
    return message
