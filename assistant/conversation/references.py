"""Follow-ups about the products the last reply showed: "is it in stock?", "the second one", "which one is lighter",
"in blue?", "the men's one", "in size 44", "what about the Talus Mid?", "and the women's?".

The last reply's `About` (stored with its turn) lists the products it showed, in order, and the catalog query it ran.
A short message that names no product and no kind of its own is read against them:

- an ordinal ("the second one", "die zweite") or "the other one" picks that product;
- "which one", "them", "both" or a sorting word ("lighter", "cheaper") means all of them: a ranking among only those;
- a colour, size or "for men" asks for that variant of them (their siblings in the catalog included, with stock);
  after a question about one of them ("what does the men's one weigh?"), "and the women's?" asks it again of the
  women's one;
- otherwise "it" / "that one" is the product the reply led with.

The message is then parsed by the catalog parser with those products as its context; a message that only points
("the second one", "tell me more about it") shows the product. "What about X?" after a question about a product asks
the same question of X. The pointer words are data (`references.yaml`, five languages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from assistant.commerce.lexicon import find_phrases, normalize, singular

DATA_PATH = Path(__file__).with_name("references.yaml")
MAX_WORDS = 12  # a longer message states its own question
MIN_CONFIDENCE = 0.5  # the catalog handler's own floor: below it the words ask nothing the catalog answers
_SECTIONS = ("ordinals", "other", "all_of_them", "this_one", "details", "there", "among", "matching", "also")
_SAME_QUESTION = ("attribute", "facts", "compatibility")  # operations "what about X?" repeats for X
_SAME_SEARCH = ("rank", "filter")


@dataclass(frozen=True)
class Pointers:
    """The pointer words of all languages, normalised."""

    ordinals: dict[str, int]
    other: tuple[str, ...]
    all_of_them: tuple[str, ...]
    this_one: tuple[str, ...]
    details: frozenset[str]
    there: tuple[str, ...]  # "and returns from there?": the place named last
    among: tuple[str, ...]  # "the women's one": picks among the products shown
    matching: tuple[str, ...]  # "the matching trousers": the same line's product of another kind
    also: tuple[str, ...]  # "red as well?": words that only carry the last question over


@cache
def pointers(path: Path = DATA_PATH) -> Pointers:
    """The pointer words (`ValueError` naming a section that is missing or empty)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    for section in _SECTIONS:
        if not isinstance(data.get(section), dict) or not all(data[section].values()):
            raise ValueError(f"{path}: section {section!r} must map each language to a non-empty list")

    def words(section: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(normalize(str(w)) for items in data[section].values() for w in items))

    ordinals = {normalize(str(w)): int(n) for block in data["ordinals"].values() for w, n in block.items()}
    return Pointers(
        ordinals=ordinals,
        other=words("other"),
        all_of_them=words("all_of_them"),
        this_one=words("this_one"),
        details=frozenset(words("details")),
        there=words("there"),
        among=words("among"),
        matching=words("matching"),
        also=words("also"),
    )


@dataclass
class Resolution:
    """What a follow-up is about: a catalog query with its context (`parsed`), or products to show (`show`)."""

    products: list[str]  # the products the message points at
    parsed: Any = None  # the catalog parser's ParsedQuery, read with `products` as context
    show: list[str] = field(default_factory=list)  # "the second one": show these products
    text: str = ""  # the message with the pointer words taken out (what the parser read)


def last_about(history: list[dict[str, Any]], at_least: int = 1, look_back: int = 4) -> dict[str, Any]:
    """The `About` of the most recent of the last `look_back` turns that showed `at_least` products ({} if none)."""
    for past in reversed((history or [])[-look_back:]):
        about = past.get("about") or {}
        if len(about.get("products") or []) >= at_least:
            return about
    return {}


def _known(about: dict[str, Any], parser: Any) -> list[str]:
    return [s for s in about.get("products", []) if s in parser.index.products]


def _strip(text: str, phrases: list[str]) -> str:
    chars = list(text)
    for start, end, _ in find_phrases(text, phrases):
        chars[start:end] = " " * (end - start)
    return " ".join("".join(chars).split())


def _pointed(text: str, shown: list[str], p: Pointers) -> tuple[list[str] | None, str, bool]:
    """(the products an ordinal or "the other one" picks, or all shown for "which one"/"both", or None for the
    default; the text without the pointer words; whether any pointer word was there)."""
    for start, end, word in find_phrases(text, list(p.ordinals)):
        n = p.ordinals[word]
        if abs(n) <= len(shown) and n != 0:
            rest = _strip(text[:start] + " " * (end - start) + text[end:], [*p.this_one])
            return [shown[n - 1 if n > 0 else n]], rest, True
    if find_phrases(text, list(p.other)) and len(shown) >= 2:
        return [shown[1]], _strip(text, [*p.other, *p.this_one]), True
    if find_phrases(text, list(p.all_of_them)):
        return list(shown), _strip(text, [*p.all_of_them, *p.this_one]), True
    found = bool(find_phrases(text, list(p.this_one)))
    return None, _strip(text, list(p.this_one)), found


def resolve(message: str, history: list[dict[str, Any]], parser: Any) -> Resolution | None:
    """The follow-up `message` read against the products the conversation showed (see the module docstring), or
    None when it is not about them (it names its own product or kind, asks something else, or nothing was shown)."""
    about = last_about(history)
    shown = _known(about, parser)
    if not shown or not message.strip() or len(message.split()) > MAX_WORDS:
        return None
    own = parser.parse(message)
    text = normalize(message)
    p = pointers()
    picked, rest, pointed = _pointed(text, shown, p)
    if own.mentions and pointed:
        fits = bool(find_phrases(text, list(parser.lex.compat_words)))
        both = _with_named(own, picked or shown[:1], fits)  # "does it fit the Ridgeback 2?"
        if both is not None:
            return both
    if own.asked_kind and pointed and not own.mentions:
        goes_with = _kind_for(own, picked or shown[:1], parser)  # "what poles do I need for it?"
        if goes_with is not None:
            return goes_with
    if own.asked_kind and not own.mentions and find_phrases(text, list(p.matching)):
        kin = _matching(own.asked_kind, shown[0], parser)  # "and the matching trousers, red as well?"
        if kin:
            # the rest asks its question of them ("red as well?"): the kind is said by `kin` now
            kind_words = [w for w in text.split() if singular(w) in (own.asked_words or "").split()]
            rest = _strip(text, [*p.matching, *p.also, *kind_words])
            parsed = parser.parse(rest, kin)
            if parsed.operation and parsed.confidence >= MIN_CONFIDENCE:
                parsed.arguments["products"] = kin
                return Resolution(products=kin, parsed=parsed, text=message)
            return Resolution(products=kin, show=kin, text=message)
    if not own.mentions and (sibling := _sibling_by_number(text, shown[0], parser)):
        own.mentions = [[sibling]]  # "what about the 3 litre one?": the sibling whose name has that number
    if own.mentions or own.asked_kind:
        return _same_question(message, own, about)
    if picked is None or (len(picked) == len(shown) and len(shown) < 2):
        # a ranking or a variant looks among everything shown (a ranking among the last list of several, when the
        # last reply was about one of them); anything else is about the product led with
        listed = _known(last_about(history, at_least=2), parser) or shown
        # "is it in stock?" / "is it in blue?" ask of the product led with; "in blue?" / "which is lighter?" of all
        selects = bool(
            find_phrases(text, list(p.among))
        )  # "the women's one" picks among them; "is it" does not
        among = ("rank",) if pointed and picked is None and not selects else ("rank", "filter")
        for context in (shown, listed):
            variant = _same_question_of_variant(parser.parse(rest, context), context, about, message, parser)
            if variant is not None:  # "and the women's?" after "what does the men's one weigh?"
                return variant
        for context in (shown, listed):
            wide = parser.parse(rest, context)
            if wide.operation in among and wide.confidence >= MIN_CONFIDENCE:
                return Resolution(products=context, parsed=wide, text=rest)
        picked = shown[:1]
    parsed = parser.parse(rest, picked) if rest else None
    if parsed is not None and parsed.operation and parsed.confidence >= MIN_CONFIDENCE:
        return Resolution(products=picked, parsed=parsed, text=rest)
    if pointed and not (set(rest.split()) - p.details - parser.lex.stopwords):
        # "the second one", "tell me more about it"
        return Resolution(products=picked, show=picked, text=rest)
    return None


def _sibling_by_number(text: str, shown: str, parser: Any) -> str | None:
    """The one product of `shown`'s subcategory, other than it, whose name has a number the message says ("the 3
    litre one" after the 2 L reservoir, "und das 3er?" after the Ridgeback 2); None when none or several have."""
    numbers = set(re.findall(r"\d+", text))
    if not numbers:
        return None
    products = parser.index.products
    mine = products[shown]
    found = [
        sku
        for sku, p in products.items()
        if sku != shown
        and (p.category, p.subcategory) == (mine.category, mine.subcategory)
        and numbers & set(re.findall(r"\d+", p.name))
        and not numbers & set(re.findall(r"\d+", mine.name))
    ]
    return found[0] if len(found) == 1 else None


def _matching(kind: str, shown: str, parser: Any) -> list[str]:
    """The products of `kind` from the line of `shown` (the first word of their names), other than it."""
    names = parser.index.products
    line = names[shown].name.split()[0].lower()
    return [
        s
        for s in parser.index.products_of_kind(kind).skus
        if s != shown and names[s].name.split()[0].lower() == line
    ]


def _with_named(own: Any, picked: list[str], fits: bool) -> Resolution | None:
    """A follow-up that points at a product shown and names another: "does it fit the Ridgeback 2?" (`fits`: does
    the one shown fit it), "is it lighter than the Wisp 1?" (a ranking of both)."""
    named = list(dict.fromkeys(s for group in own.mentions for s in group))
    if fits and not own.arguments.get("compatible_with"):
        arguments = {"operation": "compatibility", "products": picked, "compatible_with": named}
    elif own.operation in ("rank", "compare"):
        kept = {k: v for k, v in own.arguments.items() if k != "kind"}
        arguments = {**kept, "products": list(dict.fromkeys([*picked, *named]))}
    else:
        return None
    own.operation, own.arguments, own.confidence = arguments["operation"], arguments, 0.85
    return Resolution(products=arguments["products"], parsed=own)


def _kind_for(own: Any, target: list[str], parser: Any) -> Resolution | None:
    """ "what poles do I need for it?", "is there a footprint for it?": the asked kind's products that go with the
    product pointed at (the catalog's compatibility lists). None when the product is itself of that kind ("a
    lighter tent than it?" compares, it does not accessorise) or the message already asks something else."""
    if own.operation not in (None, "filter") or set(target) & set(
        parser.index.products_of_kind(own.asked_kind).skus
    ):
        return None
    arguments = {**own.arguments, "operation": "filter", "kind": own.asked_kind, "compatible_with": target}
    own.operation, own.arguments, own.confidence = "filter", arguments, 0.85
    return Resolution(products=target, parsed=own)


def _same_question_of_variant(
    wide: Any, context: list[str], about: dict[str, Any], message: str, parser: Any
) -> Resolution | None:
    """ "and the women's?" after a question about the men's one: the last question, asked of the products of
    `context` made for the one the message names. None when the message names no one, the last turn asked nothing
    of a product, or no product of `context` is made for them."""
    from assistant.conversation.follow_up import is_follow_up

    last = about.get("query") or {}
    gender = (wide.arguments or {}).get("gender") if wide.operation == "filter" else None
    if not gender or last.get("operation") not in _SAME_QUESTION or not is_follow_up(message):
        return None
    products = [s for s in context if parser.index.gender_of(s) == gender]
    if not products:
        return None
    arguments = {k: v for k, v in last.items() if k not in ("products", "gender")} | {"products": products}
    wide.operation, wide.arguments, wide.confidence = arguments["operation"], arguments, 0.85
    return Resolution(products=products, parsed=wide, text=message)


def _same_question(message: str, own: Any, about: dict[str, Any]) -> Resolution | None:
    """ "what about the Talus Mid?" after "is the Scree Low waterproof?": the last question, asked of the new product
    (or, after a search, the same search for the new kind). None when the message asks its own question."""
    from assistant.conversation.follow_up import is_follow_up

    last = about.get("query") or {}
    if own.operation or not last or not is_follow_up(message):
        return None
    arguments = {k: v for k, v in last.items() if k not in ("products", "kind")}
    if own.mentions and last.get("operation") in _SAME_QUESTION:
        products = list(dict.fromkeys(s for group in own.mentions for s in group))
        arguments["products"] = products
    elif own.asked_kind and last.get("operation") in _SAME_SEARCH:
        products, arguments["kind"] = [], own.asked_kind
    else:
        return None
    own.operation, own.arguments, own.confidence = arguments["operation"], arguments, 0.85
    return Resolution(products=products, parsed=own, text=message)
