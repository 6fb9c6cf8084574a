"""From a customer's words to a structured catalog query (the arguments of the `query_catalog` tool).

    parser = CatalogQueryParser(catalog)
    parser.parse("Which tent is the lightest you sell?").arguments
        -> {"operation": "rank", "kind": "tent", "sort_by": "lightest", ...}
    parser.parse("does the ridgeback 3 footprint fit the ridgeback 3?").operation -> "compatibility"

The words come from the lexicon (`assistant/commerce/catalog_lexicon.yaml`: sorting words, filters, comparison and
fit words, kinds in five languages); products and kinds from the catalog's own index. The parse happens in passes,
each blanking what it used so the next does not read it twice: numbers with units ("under 2 kg", "unter 100 €",
"for -10 °C") -> function phrases (lightest, vs, fits, in stock, size 42, for two people) -> foreign kind words to
English -> product names -> colours -> the kind -> what is left, which are descriptive words ("waterproof").
`confidence` says how sure the parse is that this is a catalog question; the router adds it to the intent's score.
"""

from __future__ import annotations

import copy
import difflib
import re
import threading
import unicodedata
import weakref
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from assistant.commerce.lexicon import Lexicon, find_phrases, guess_language, normalize, singular
from assistant.conversation.catalog_decision import (  # noqa: F401  (ParsedQuery: the parser's result type)
    _YES_NO_START,
    DECISIVE_CLAIM,
    ParsedQuery,
    QueryDecision,
)
from generation import only_fillers

_NUMBER = r"-?\d+(?:[.,]\d+)?"
_CURRENCY = {"€": " eur ", "$": " usd ", "£": " gbp "}
DECISIVE = 0.9  # a parse this sure routes the turn without the embedding
DECISIVE_FACT = 0.75
PARSE_CACHE = 512  # the router and the handler read the same message: parse it once
MIN_COMPOUND_PREFIX = 5  # "damen", "herren", "kinder": German gender words that open compounds
_LETTER_SIZE = re.compile(r"x{1,3}[sl]", re.I)  # "in XXL": a letter size the catalog uses


@dataclass
class _Scan:
    """What the passes have found so far."""

    text: str
    words: list[str] = field(default_factory=list)
    used: set[int] = field(default_factory=set)
    flags: dict[str, Any] = field(default_factory=dict)
    args: dict[str, Any] = field(default_factory=dict)


def _alternatives(phrases: tuple[str, ...]) -> str:
    return "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))


class CatalogQueryParser(QueryDecision):
    """Reads catalog questions against one catalog (its `index`). Thread-safe: it keeps no state between calls."""

    def __init__(self, catalog: Any):
        self.index = catalog.index
        self.lex: Lexicon = self.index.lex
        self._cache: dict[tuple[str, tuple[str, ...]], ParsedQuery] = {}
        self._lock = threading.Lock()
        self._units = {u: spec.name for spec in self.lex.attributes for u in spec.units}
        number = rf"(?P<num>{_NUMBER})\s*(?P<unit>°\s*c|[^\W\d_]+)?"
        self._max = re.compile(rf"(?<!\w)(?:{_alternatives(self.lex.filters['max'])})\s+{number}")
        self._min = re.compile(rf"(?<!\w)(?:{_alternatives(self.lex.filters['min'])})\s+{number}")
        self._between = re.compile(
            rf"(?<!\w)(?:{_alternatives(self.lex.filters['between'])})\s+(?P<a>{_NUMBER})\s*(?P<ua>[^\W\d_]+)?\s+"
            rf"(?:{_alternatives(self.lex.filters['and'])})\s+(?P<b>{_NUMBER})\s*(?P<ub>°\s*c|[^\W\d_]+)?"
        )
        self._for_temperature = re.compile(
            rf"(?<!\w)(?:{_alternatives(self.lex.filters['temperature_for'])})\s+(?P<num>{_NUMBER})\s*°\s*c?"
        )
        numbers = _alternatives(tuple(self.lex.number_words))
        self._persons = re.compile(
            rf"(?<!\w)(?P<n>\d+|{numbers})\s*(?:{_alternatives(self.lex.person_words)})(?!\w)"
        )
        self._size = re.compile(
            rf"(?<!\w)(?:{_alternatives(self.lex.size_words)})\s+(?P<size>[\w.]+(?:-\d+)?)"
        )

    # -- the passes -----------------------------------------------------------------------------------------------
    def parse(self, message: str, context: list[str] | None = None) -> ParsedQuery:
        """The catalog query in `message` (see the module docstring); the same message is parsed once.

        `context`: the products the conversation is about (a follow-up's "it", "which one", "in blue?"): a message
        that names no product and no kind of its own asks about them.
        """
        key = (message, tuple(context or ()))
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return copy.deepcopy(cached)
        parsed = self._parse(message, list(context or ()))
        with self._lock:
            self._cache[key] = parsed
            while len(self._cache) > PARSE_CACHE:
                self._cache.pop(next(iter(self._cache)))
        return copy.deepcopy(parsed)

    def _any_such(self, words: list[str], mention: Any) -> bool:
        """ "a down jacket": a mention by a name's common words only, after an indefinite article, speaks of any
        product of that kind (the words are then read as a kind), not of the product whose name has them."""
        if mention.start == 0 or words[mention.start - 1] not in self.lex.indefinite_articles:
            return False
        return not any(self.index.distinctive((w,)) for w in words[mention.start : mention.end])

    def _parse(self, message: str, context: list[str]) -> ParsedQuery:
        scan = _Scan(text=self._prepare(message))
        self._numeric_filters(scan)
        scan.text = normalize(scan.text)
        self._limit(scan)
        self._function_phrases(scan)
        self._translate_kinds(scan)
        scan.words = scan.text.split()
        mentions = [m for m in self.index.mentions(scan.words) if not self._any_such(scan.words, m)]
        for m in mentions:
            scan.used |= set(range(m.start, m.end))
        self._facts(scan)
        self._colours(scan)
        self._gender(scan)
        kind = self.index.find_kind(scan.words, scan.used)
        if kind is None and len(mentions) == 1 and (scan.flags["sort"] or scan.args):
            # "the lightest touring ski": words of one name that together name a kind are the kind
            whole = self.index.find_kind(
                scan.words, scan.used - set(range(mentions[0].start, mentions[0].end))
            )
            if whole is not None and whole[1] <= mentions[0].start < whole[2]:
                scan.used -= set(range(mentions[0].start, mentions[0].end))
                mentions, kind = [], whole
        asked_kind = None
        if kind is not None:
            asked_kind = kind[0]
            scan.used |= set(range(kind[1], kind[2]))
        leftovers = [
            w
            for i, w in enumerate(scan.words)
            if i not in scan.used
            and w not in self.lex.stopwords
            and not w.isdigit()
            and len(w) > 1
            and not only_fillers(w)  # a greeting or a particle ("salut", "eigentlich") asks nothing
        ]
        groups = [self._of_kind(m, asked_kind) for m in mentions]
        if context and not groups and kind is None:
            groups, scan.flags["context"] = [context], True
        parsed = self._decide(message, scan, groups, asked_kind, leftovers)
        parsed.leftovers = [w for w in leftovers if w not in self.lex.generic_words]
        parsed.language = guess_language(message, self.lex)
        parsed.mentions = groups
        parsed.shopping = bool(scan.flags["sell"])
        parsed.gender = scan.args.get("gender")
        return parsed

    @staticmethod
    def is_question_about(parsed: ParsedQuery, message: str) -> bool:
        """A question about products the message names ("does the Meadow 6 take longer to arrive?", "ich wiege 110 kg -
        sind die Drift 25 was für mich?", "¿El set de vía ferrata sirve para mi hijo?"), not a request to shop."""
        return bool(parsed.mentions) and not parsed.shopping and _asks(message)

    def intent_bonus(self, message: str) -> dict[str, float]:
        """A nudge for the router: how much this message reads as a catalog query."""
        parsed = self.parse(message)
        return {"catalog_query": 0.3 * parsed.confidence} if parsed.operation else {}

    def decisive_intent(self, message: str) -> str | None:
        """ "catalog_query" for a message that can only be one (a ranking of a kind the shop has, a comparison or a fit
        of named products), so the router may skip the embedding; None otherwise."""
        parsed = self.parse(message)
        if parsed.operation in ("rank", "compare", "compatibility") and parsed.confidence >= DECISIVE:
            return "catalog_query"
        # a yes/no question about a named product in words the lexicon or its row knows; or a fact or a filter with
        # nothing else in the words ("how heavy is the Bastion 2?", "tents under 2 kg")
        if parsed.operation == "attribute" and parsed.confidence >= DECISIVE_CLAIM:
            return "catalog_query"
        if (
            parsed.operation in ("facts", "filter")
            and not parsed.leftovers
            and parsed.confidence >= DECISIVE_FACT
        ):
            return "catalog_query"
        return None

    @staticmethod
    def _prepare(message: str) -> str:
        text = unicodedata.normalize("NFKC", message).lower()
        for symbol, word in _CURRENCY.items():
            text = text.replace(symbol, word)
        text = re.sub(r"[−–](?=\d)", "-", text)
        return re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,000 -> 1000

    def _limit_for(self, num: str, unit: str | None) -> tuple[str, float, str | None]:
        """The attribute a number with this unit bounds, and the number in the attribute's unit."""
        value = float(num.replace(",", "."))
        unit_key = normalize(unit or "").replace(" ", "")
        name = self._units.get(unit_key)
        if name is None:
            return "price", value, None if unit_key in ("", *self._units) else unit
        spec = self.lex.attribute(name)
        return name, value * spec.units.get(unit_key, 1.0), None

    def _numeric_filters(self, scan: _Scan) -> None:
        limits: dict[str, dict[str, float]] = {}

        def bound(name: str, key: str, value: float) -> None:
            limits.setdefault(name, {})[key] = value

        for match in self._between.finditer(scan.text):
            name, low, _ = self._limit_for(match["a"], match["ua"] or match["ub"])
            _, high, _ = self._limit_for(match["b"], match["ub"] or match["ua"])
            bound(name, "at_least", min(low, high))
            bound(name, "at_most", max(low, high))
        scan.text = self._between.sub(" ", scan.text)
        for pattern, key in ((self._max, "at_most"), (self._min, "at_least")):
            for match in pattern.finditer(scan.text):
                name, value, stray = self._limit_for(match["num"], match["unit"])
                # "under 100 for boots" is a price; "within 30 days" bounds something no catalog column holds
                if stray is None or normalize(stray) in self.lex.stopwords:
                    bound(name, key, value)
            scan.text = pattern.sub(lambda m: f" {self._stray(m)} ", scan.text)
        for match in self._for_temperature.finditer(scan.text):
            bound("comfort_temperature", "at_most", float(match["num"].replace(",", ".")))
        scan.text = self._for_temperature.sub(" ", scan.text)
        price = limits.pop("price", {})
        scan.args.update(
            {
                k: v
                for k, v in (("max_price", price.get("at_most")), ("min_price", price.get("at_least")))
                if v
            }
        )
        if limits:
            scan.args["limits"] = [{"attribute": name, **b} for name, b in limits.items()]

    def _stray(self, match: re.Match[str]) -> str:
        """A word after the number that is no unit ("under 100 for boots") goes back into the text."""
        unit = match["unit"] or ""
        return "" if normalize(unit).replace(" ", "") in self._units else unit

    def _blank(self, scan: _Scan, phrases: list[str]) -> list[str]:
        """Find `phrases` in the (normalised) text, blank them out, return the ones found, in order."""
        found = find_phrases(scan.text, phrases)
        chars = list(scan.text)
        for start, end, _ in found:
            chars[start:end] = " " * (end - start)
        scan.text = "".join(chars)
        return [phrase for _, _, phrase in found]

    def _function_phrases(self, scan: _Scan) -> None:
        text = scan.text
        persons = self._persons.search(text)
        if persons:
            raw = persons["n"]
            count = int(raw) if raw.isdigit() else self.lex.number_words.get(raw, 0)
            limits = scan.args.setdefault("limits", [])
            limits.append({"attribute": "persons", "at_least": float(count)})
            text = text[: persons.start()] + " " * (persons.end() - persons.start()) + text[persons.end() :]
        size = self._size.search(text)
        if size and (size["size"].isdigit() or size["size"] in self._sizes()):
            scan.args["size"] = size["size"]
            text = text[: size.start()] + " " * (size.end() - size.start()) + text[size.end() :]
        scan.text = text
        sort_words = [w for spec in self.lex.attributes for w in (*spec.low, *spec.high)]
        scan.flags["sort"] = self._blank(scan, sort_words) or self._misspelt(scan, sort_words)
        scan.flags["compat"] = self._blank(scan, list(self.lex.compat_words))
        scan.flags["compare"] = self._blank(scan, list(self.lex.compare_words))
        scan.flags["stock"] = self._blank(scan, list(self.lex.stock_words))
        scan.flags["sell"] = self._blank(scan, list(self.lex.sell_words))
        letters = [w for w in scan.text.split() if _LETTER_SIZE.fullmatch(w) and w in self._sizes()]
        if letters and "size" not in scan.args:
            scan.args["size"] = letters[0]
            self._blank(scan, letters[:1])

    def _misspelt(self, scan: _Scan, phrases: list[str]) -> list[str]:
        """One-word phrases written with a typo ("cheepest", "ligthest"): same first letter, close spelling."""
        single = [p for p in phrases if " " not in p]
        for word in dict.fromkeys(scan.text.split()):  # each word once: a long message repeats its words
            if len(word) >= 6 and word not in self.lex.stopwords:
                close = difflib.get_close_matches(word, single, n=1, cutoff=0.8)
                # a typo keeps the first letter and the length ("ligthest"); "schwer" is not "schwerer"
                if close and close[0][0] == word[0] and abs(len(close[0]) - len(word)) <= 1:
                    self._blank(scan, [word])
                    return [close[0]]
        return []

    def _limit(self, scan: _Scan) -> None:
        """ "the 3 lightest", "top 5", "drei günstigste": how many rows to show (before the sort words are blanked)."""
        numbers = _alternatives(tuple(self.lex.number_words))
        sort_words = _alternatives(tuple(w for spec in self.lex.attributes for w in (*spec.low, *spec.high)))
        match = re.search(
            rf"(?<!\w)(?:top\s+(?P<a>\d{{1,2}}|{numbers})|(?P<b>\d{{1,2}}|{numbers})\s+(?:{sort_words}))(?!\w)",
            scan.text,
        )
        if match:
            raw = match["a"] or match["b"]
            count = int(raw) if raw.isdigit() else self.lex.number_words.get(raw, 0)
            if 1 <= count <= 20:
                scan.args["limit"] = count
                start, end = match.span("a" if match["a"] else "b")
                scan.text = scan.text[:start] + " " * (end - start) + scan.text[end:]

    def _facts(self, scan: _Scan) -> None:
        """Words asking for one figure of a product ("how heavy", "lumens", "colours"), unless they are part of the
        product's name (the Lumen 400, the Camp Comfort mat)."""
        fact_words = {w: spec.name for spec in self.lex.attributes for w in spec.words}
        fact_words.update({w: "colours" for w in self.lex.colour_words})
        fact_words.update({w: "sizes" for w in self.lex.size_words})
        text = " ".join(scan.words)
        starts = [m.start() for m in re.finditer(r"\S+", text)]
        found = []
        for start, end, phrase in find_phrases(text, fact_words):
            span = {i for i, s in enumerate(starts) if start <= s < end}
            if not span & scan.used:
                found.append(fact_words[phrase])
                scan.used |= span
        # "how much does it weigh": the price words are the vaguer ones
        scan.flags["facts"] = sorted(found, key=lambda name: name == "price")

    def _sizes(self) -> set[str]:
        return {normalize(s) for p in self.index.products.values() for s in p.sizes}

    def _translate_kinds(self, scan: _Scan) -> None:
        """Foreign and synonym kind words to the English kind, unless the catalog itself uses the word."""
        scan.text = self._split_compounds(scan.text)
        replaced = []
        said = scan.flags.setdefault("said", {})
        for start, end, phrase in find_phrases(scan.text, self.lex.kinds):
            english = self.lex.kinds[phrase]
            as_is = tuple(singular(w) for w in phrase.split())
            if english != phrase and not self.index.is_kind(as_is):
                replaced.append((start, end, english))
                said.setdefault(english, phrase)
        for start, end, english in reversed(replaced):
            scan.text = scan.text[:start] + english + scan.text[end:]

    def _of_kind(self, mention: Any, kind: str | None) -> list[str]:
        """The products a mention names, narrowed to the kind the message also names ("die Splash Kinder
        Regenjacke": the jacket, not the trousers of the same name)."""
        if kind is None or len(mention.tied) < 2:
            return mention.skus
        of_kind = set(self.index.products_of_kind(kind).skus)
        return [s for s in mention.tied if s in of_kind] or mention.skus

    def _split_compounds(self, text: str) -> str:
        """German compounds end in their kind: "regenjacke" -> "rain jacke", "daunenjacke" -> "down jacke" (the first
        half in English where the lexicon knows it, else as it is: the kind is what the parser must find)."""
        heads = self._compound_heads
        out = []
        for word in text.split():
            if word not in self.lex.kinds:  # "schlafsäcken", "jacken": an inflected form of a kind word
                word = self.lex.german_kind(word) or word
            if word not in self.lex.kinds and len(word) > 6:
                head = next((h for h in heads if word.endswith(h) and len(word) - len(h) >= 3), None)
                if head is not None:
                    first = word[: -len(head)]
                    word = f"{self.lex.compound_parts.get(first, first)} {head}"
            out.append(word)
        return " ".join(out)

    @cached_property
    def _compound_heads(self) -> tuple[str, ...]:
        """The German one-word kind words, longest first (so "wanderschuhe" is found before "schuhe")."""
        words = [
            w for w, lang in self.lex.kind_language.items() if lang == "de" and " " not in w and len(w) >= 4
        ]
        return tuple(sorted(words, key=len, reverse=True))

    def _colours(self, scan: _Scan) -> None:
        known = set(self.index.colours) | {w for words in self.lex.colours.values() for w in words}
        for i, word in enumerate(scan.words):
            if i not in scan.used and word in known and self.index.colour_values(word):
                scan.args["colour"] = word
                scan.used.add(i)
                return

    def _gender(self, scan: _Scan) -> None:
        """ "for men", "the women's one", "für Damen": who the product is for (a filter, never a dropped word)."""
        for i, word in enumerate(scan.words):
            if i in scan.used:
                continue
            gender = self.lex.genders.get(word) or self._compound_gender(word)
            if gender:
                scan.args["gender"] = gender
                scan.used.add(i)
                return

    def _compound_gender(self, word: str) -> str | None:
        """ "damenversion", "herrenjacke": a gender word joined to a variant word or a kind ("kinderleicht" is no
        compound of this sort)."""
        for prefix, gender in self.lex.genders.items():
            rest = word[len(prefix) :]
            if len(prefix) >= MIN_COMPOUND_PREFIX and word.startswith(prefix) and rest:
                if rest in self.lex.variant_words or rest in self.lex.kinds:
                    return gender
        return None


_PARSERS: weakref.WeakKeyDictionary[Any, CatalogQueryParser] = weakref.WeakKeyDictionary()
_PARSERS_LOCK = threading.Lock()


def parser_for(catalog: Any) -> CatalogQueryParser | None:
    """The parser of this catalog (built once per catalog object), or None where the shop has no catalog."""
    if catalog is None:
        return None
    with _PARSERS_LOCK:
        parser = _PARSERS.get(catalog)
        if parser is None:
            parser = _PARSERS[catalog] = CatalogQueryParser(catalog)
        return parser


def _asks(message: str) -> bool:
    """Whether `message` asks something: a clause opens like a yes/no question, or it ends in a question mark."""
    from generation import question_type

    clauses = re.split(r"[.!?¿¡;:,\u2013\u2014]+|\s-\s", message)
    return (
        message.rstrip().endswith(("?", "？"))
        or any(_YES_NO_START.search(c) for c in clauses)
        or question_type(message) == "yesno"
    )
