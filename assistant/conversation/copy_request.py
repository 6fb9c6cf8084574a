"""A marketer's copy request read into typed slots: the campaign it names, channel, products, customer, segment, the
discount or offer asked for and the claims the copy should make.

The slots go to the `check_copy_request` tool as they are; nothing here decides whether they are allowed. Claims and
promotions are found by the claim extractor (`generation.claims.extract_claims`), so "100% waterproof" is read as a
claim to check, never as words to search the catalog with. Product names are matched by their distinctive words
(rapidfuzz for misspellings); SKU-like tokens are kept even when the catalog lacks them, so the check can say so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

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
_QUOTED = re.compile(r"[\"“„']([^\"”“']{2,60})[\"”']")
# Words after which a marketer states what the copy should claim ("saying it is 100% waterproof").
_CLAIM_CUE = re.compile(
    r"\b(say\w*|claim\w*|stat(?:e|es|ing)|mention\w*|promis\w*|call(?:ing)? (?:it|them)|highlight\w*|"
    r"emphasi[sz]\w*|stress\w*|tell\w*|with|that (?:it|they)(?:'s|'re| is| are)|as)\b",
    re.I,
)
# Cues after which the clause itself is the claim, whatever words it uses.
_STATE_CUE = re.compile(
    r"\b(say(?:ing|s)?|claim(?:ing|s)?|stat(?:e|es|ing)|promis(?:e|es|ing)|tell(?:ing)?(?: (?:people|customers|them))?|"
    r"call(?:ing)? (?:it|them))\b",
    re.I,
)
_CLAIM_FILLER = re.compile(
    r"^[\s:]*(?:(?:that|it|they|it's|they're|its|is|are|has|have|will|we|our|this|these|with|a|an)\b\s*)*",
    re.I,
)
_CLAUSE_END = re.compile(r"[.;!?]|,\s|\b(?:for|to|in|on)\s+(?:the|our|my)\b")
_OFF_WORD = re.compile(r"^\s*(off|discount|rabatt|reduction|sale)\b", re.I)
_AMOUNT_OFF = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:%|percent\b|prozent\b|€|eur\b)\s*(?:off\b|discount\b|\w*rabatt\w*|nachlass\b|reduction\b)",
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


_AUDIENCE = re.compile(
    r"\b(who (?:should|will|would|do we|to)|should (?:they|we) get|which (?:customers|segments?|people)|target\w*|audience|send (?:it|this|them) "
    r"to|zielgruppe|wer soll\w*|welche kunden)\b",
    re.I,
)
_COPY_TASK = re.compile(
    r"\b(write|draft|create|compose|ads?|advert\w*|copy|headlines?|subject lines?|captions?|posts?|tweets?|"
    r"newsletter|e-?mails?|mails?|sms|rsa|schreib\w*|erstell\w*|entw[uü]rf\w*|anzeigen?)\b",
    re.I,
)
# A marketer asking whether copy may say something: "claim: ...", "can we call it ...", "... - ok for the headline?"
_CLAIM_ASK = re.compile(
    r"\b(claim\w*|can (?:i|we|you) (?:say|call|write|use|claim)|(?:ok|okay|fine|allowed)(?: for\b|\s*\?)|"
    r"darf (?:ich|man)|dürfen wir)",
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
    if campaign and _AUDIENCE.search(message) and not _COPY_TASK.search(message):
        return "segment_analysis"
    if slots.get("channel") or _COPY_TASK.search(message) or _CLAIM_ASK.search(message):
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
        quoted = next((q for q in _QUOTED.finditer(message) if abs(q.start() - cue.start()) < 40), None)
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


def _phrases(claims: list[Any], message: str) -> list[tuple[str, int, int]]:
    """Adjacent claims joined into phrases ("100%" + "waterproof" -> "100% waterproof"), with their spans."""
    out: list[list[int]] = []
    for c in sorted(claims, key=lambda c: c.start):
        if out and c.start - out[-1][1] <= 1:
            out[-1][1] = max(out[-1][1], c.end)
        else:
            out.append([c.start, c.end])
    return [(message[s:e], s, e) for s, e in out]


def offers_and_claims(
    message: str, skip: tuple[int, int] | None
) -> tuple[str | None, list[tuple[str, int, int]]]:
    """(the discount or offer asked for, the claims asked for), each a phrase of the message with its span.
    Absolute figures ("100% waterproof") count anywhere; attributes, superlatives and rankings only after a claim
    cue or in quotes ("saying it is waterproof"), since "our waterproof boots" or "our best product" picks products
    rather than claiming."""
    found = [c for c in extract_claims(message) if c.positive and not (skip and skip[0] <= c.start < skip[1])]
    promos = [c for c in found if c.kind == "promo"]
    discount = None
    if promos:
        text, start, end = _phrases(promos, message)[0]
        tail = _OFF_WORD.match(message[end:])
        discount = (text + (tail.group(0) if tail else "")).strip()
    else:  # "15 % Studentenrabatt", "30 Prozent Rabatt": an amount next to a discount word the extractor lacks
        found_amount = next(
            (m for m in _AMOUNT_OFF.finditer(message) if not (skip and skip[0] <= m.start() < skip[1])), None
        )
        discount = found_amount.group(0).strip() if found_amount else None
    quoted = [q.span() for q in _QUOTED.finditer(message)]
    cues = [m.end() for m in _CLAIM_CUE.finditer(message)]

    def asked(c: Any) -> bool:
        if c.kind == "superlative" and any(ch.isdigit() for ch in "".join(c.key)):
            return True  # "100% waterproof" claims wherever it stands; "our best product" picks one
        if any(s <= c.start < e for s, e in quoted):
            return True
        return any(pos <= c.start and not _CLAUSE_END.search(message[pos : c.start]) for pos in cues)

    claims = _phrases([c for c in found if c.kind != "promo" and asked(c)], message)
    statements = _asked_statements(message, skip)
    stated = [
        c for c in _stated_clauses(message, skip) if not any(c[1] < e and s < c[2] for _, s, e in statements)
    ]
    for clause in [*statements, *stated]:
        inside = [c for c in claims if c[1] < clause[2] and clause[1] < c[2]]
        if all(
            len(text.split()) < 2 for text, _, _ in inside
        ):  # "best", "ever": the clause says what is claimed
            claims = [c for c in claims if c not in inside] + [clause]
    return discount, claims


# "claim: X", "claim check: X", "claim for alpine ads: X": what follows the colon is the claim.
_CLAIM_LABEL = re.compile(r"^\s*claim\b[^:]{0,40}:\s*", re.I)
# "X - ok for the headline?", "X - claim ok for the meta ads?", "X, put it in the headline": the claim comes first.
# (Starts only where a run of spaces starts: from inside the run it would rescan it, quadratic on long runs.)
_ASK_AFTER = re.compile(
    r"(?<!\s)\s+[-–—]\s+(?:claim\s+)?(?:ok|okay|fine|allowed|put (?:it|that|this)|use (?:it|that|this))\b|"
    r",\s*(?:put|use) (?:it|that|this) in\b",
    re.I,
)


def _asked_statements(message: str, skip: tuple[int, int] | None) -> list[tuple[str, int, int]]:
    """What a marketer asks to claim in looser words: a quoted line when the message asks about copy or a claim
    ("is '800 fill-power RDS down' fine ...?"), the text after "claim:", the statement before "- ok for the
    headline?" or ", put it in the headline"."""
    out = []
    if _CLAIM_ASK.search(message) or _COPY_TASK.search(message):
        for q in _QUOTED.finditer(message):
            if not (skip and skip[0] <= q.start() < skip[1]):
                out.append((q.group(1).strip(), q.start(1), q.end(1)))
    if out:
        return out
    label = _CLAIM_LABEL.match(message)
    if label:
        text = message[label.end() :].rstrip(" ?.!")
        return [(text, label.end(), label.end() + len(text))] if text else []
    after = _ASK_AFTER.search(message)
    if after and not (skip and skip[0] <= 0 < skip[1]):
        text = message[: after.start()].strip()
        if 1 < len(text.split()) <= 12:
            start = message.find(text)
            return [(text, start, start + len(text))]
    return []


def _stated_clauses(message: str, skip: tuple[int, int] | None) -> list[tuple[str, int, int]]:
    """What follows a strong claim cue ("telling people it keeps you safe on any ice"), up to the clause's end: a
    claim to check even when no attribute family names it (a promotion there is the discount, not a claim)."""
    out = []
    for cue in _STATE_CUE.finditer(message):
        if skip and skip[0] <= cue.start() < skip[1]:
            continue
        rest = message[cue.end() :]
        end = _CLAUSE_END.search(rest)
        clause = rest[: end.start()] if end else rest
        lead = _CLAIM_FILLER.match(clause)
        start = cue.end() + (lead.end() if lead else 0)
        text = message[start : cue.end() + len(clause)].strip()
        if text and len(text.split()) <= 10 and not any(c.kind == "promo" for c in extract_claims(text)):
            out.append((text, start, start + len(text)))
    return out


@lru_cache(maxsize=4)
def _name_index(names: tuple[tuple[str, str], ...]) -> tuple[dict[str, list[str]], dict[str, float]]:
    """word -> SKUs whose name has it, and each word's idf over the catalog's names."""
    by_word: dict[str, list[str]] = {}
    for sku, name in names:
        for w in set(re.findall(r"[^\W\d_]{3,}", name.lower())):
            by_word.setdefault(w, []).append(sku)
    idf = {w: math.log(len(names) / len(s)) for w, s in by_word.items()}
    return by_word, idf


def named_products(
    message: str,
    catalog: Any,
    *,
    max_share: int = 3,
    ignore: set[str] = frozenset(),
    prefer: set[str] = frozenset(),
) -> list[str]:
    """SKUs of the products a message names by a distinctive word of their name ("Nordkette", "Summit 800"), a
    misspelling included, each name read on its own ("the Cirque boot + Glacier crampons" names two); a word many
    products share ("boot", "jacket") names none, nor do the `ignore` words. A word that fits some of the `prefer`
    products (the campaign's) and ties between them and others names only those ("the Ridgerunner" in the trail
    running brief is its two, "the jacket" its race jacket); a name that fits another product better stays it."""
    if catalog is None:
        return []
    names = tuple((p.sku, p.name) for p in catalog)
    by_word, idf = _name_index(names)
    words = set(re.findall(r"[^\W\d_]{3,}", message.lower()))
    loose = words - set(
        by_word
    )  # only a word no name has as written may be a misspelling ("gaiters" is not "gaiter")
    scores: dict[str, float] = {}
    groups: list[list[str]] = []
    for word, skus in by_word.items():
        if word in campaign_words()["stopwords"] or word in ignore:
            continue
        chosen = skus
        if (
            len(skus) > max_share
        ):  # "jacket": too common to name a product, unless the campaign has few of them
            chosen = [s for s in skus if s in prefer]
            if not chosen or len(chosen) > max_share:
                continue
        if word in words or (len(word) >= 6 and any(fuzz.ratio(word, w) >= 88 for w in loose)):
            groups.append(chosen)
            for sku in chosen:
                scores[sku] = scores.get(sku, 0.0) + idf[word]
    if not scores:
        return []
    numbers = set(re.findall(r"\d+", message))
    for sku in scores:  # "Meadow 4" vs "Meadow 6": a number of the name breaks the tie between named products
        scores[sku] += 0.5 * len(numbers & set(re.findall(r"\d+", catalog.get(sku).name)))
    picked = set()
    for group in groups:  # each name's best fits: "Glacier" is the crampons when "crampons" is said too
        top = max(scores[s] for s in group)
        tied = {s for s in group if scores[s] >= top - 1e-9}
        picked |= (
            tied & set(prefer)
        ) or tied  # a tie only: "the Meadow 6" stays the Meadow 6, never a substitute
    return sorted(picked, key=lambda s: (-scores[s], s))[:3]


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
    discount, claims = offers_and_claims(message, brief_span)
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
        ask.skus = products_by_name(ask, claim_spans, catalog, brief_words)
        ask.by_name = bool(ask.skus)
    ask.segment = segment_phrase(message, slots.get("segment"))
    return ask


def other_channel(message: str) -> str | None:
    """A channel the message names that the drafter does not write for ("TikTok"), lower-cased."""
    words = set(re.findall(r"[^\W\d_]+", message.lower()))
    return next((c for c in campaign_words().get("other_channels", []) if c in words), None)


def products_by_name(
    ask: CopyAsk,
    claim_spans: list[tuple[int, int]],
    catalog: Any,
    brief_words: set[str] = frozenset(),
    prefer: set[str] = frozenset(),
) -> list[str]:
    """The products a request names, outside the campaign's name and the claims; inside a claim when none is outside
    ("claim: Stormline 3L rated 20,000 mm")."""
    outside = _without(ask.request, ask.spans)
    found = named_products(outside, catalog, ignore=brief_words, prefer=prefer)
    if found:
        return found
    inside = _without(ask.request, [s for s in ask.spans if s not in claim_spans])
    return named_products(inside, catalog, ignore=brief_words, prefer=prefer)


def _without(message: str, spans: list[tuple[int, int]]) -> str:
    for start, end in sorted(spans, reverse=True):
        message = message[:start] + " " + message[end:]
    return message
