"""What a copy line must satisfy: the channel's limits (channels.yaml), the brief's rules (banned terms and claims,
brand-voice don'ts, required phrases), the truth of its claims and figures (generation/truth.py), and being a
publishable phrase (no dangling "and", no one-word line unless it is the product's name, the product's own number, sizes
and colours only where the product has several).

    rules = Rules(request)
    rules.problems("Waterproof hiking shoes", spec) -> ["says waterproof; FTW-003 ... says not waterproof ...",
                                                        "plural 'shoes' for one product"]
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel

from generation.claims import mentions_claim
from generation.errors import BadBrief
from generation.guard import find_terms
from generation.naming import head_noun, is_plural_thing, model_name, short_name
from generation.truth import RequestTruth

if TYPE_CHECKING:
    from generation.copy_types import CopyRequest, Draft

SPECS = Path(__file__).parent / "channels.yaml"


class FieldSpec(BaseModel):
    """Limits of one field of a channel (from channels.yaml)."""

    name: str
    kind: str  # "lines" | "text"
    label: str
    max_chars: int
    min: int = 1
    max: int = 1
    target: int = 1
    min_chars: int = 1
    required_suffix: str = ""
    template_only: bool = False
    multi_sentence: bool = False
    sentence: bool = False  # a full sentence (descriptions, primary text): ends with . ! or ?
    pin_positions: int = 0


class ChannelSpec(BaseModel):
    name: str
    label: str
    fields: list[FieldSpec]


@lru_cache(maxsize=1)
def spec_data() -> dict[str, Any]:
    return yaml.safe_load(SPECS.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def prompts() -> dict[str, Any]:
    return yaml.safe_load((Path(__file__).parent / "prompts" / "copy.yaml").read_text(encoding="utf-8"))


def channel_specs() -> dict[str, ChannelSpec]:
    """Every channel's spec, by channel name."""
    out = {}
    for name, raw in spec_data()["channels"].items():
        fields = [FieldSpec(name=f, **spec) for f, spec in raw["fields"].items()]
        out[name] = ChannelSpec(name=name, label=raw["label"], fields=fields)
    return out


def get_channel(name: str) -> ChannelSpec:
    specs = channel_specs()
    if name not in specs:
        raise BadBrief(f"unknown channel {name!r}; choose one of {', '.join(specs)}")
    return specs[name]


def norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"[\w'’&-]+", text.lower())


def fragment_problem(text: str, names: frozenset[str] = frozenset()) -> str | None:
    """Why `text` is not a complete phrase: it ends in a function word ("A full-service", "Hi there,") or is one
    word that is not a product's name ("This", "W"). None when it reads as a phrase."""
    core = re.sub(r"\s*(?:Reply STOP to opt out)$", "", text.strip())
    if re.search(r"[,:;&/–—-]$", core):
        return "ends mid-phrase"
    words = _words(core)
    if not words:
        return "no words"
    if len(words) == 1 and norm(core) not in names:
        return "a single word"
    last = words[-1].strip("'’")
    sentence = bool(re.search(r"[.!?]$", core))
    if last in _function_words() and not (sentence and last in spec_data()["pronouns"]):
        return f"ends in {last!r}"
    if words[0] in spec_data()["subordinators"] and not re.search(r"[,;:.!?]\s", core):
        return "a subordinate clause alone"
    return None


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    return frozenset(spec_data()["function_words"])


class Rules:
    """Everything one line is checked against, built once per request."""

    def __init__(self, request: CopyRequest | None = None, *, facts: str = ""):
        from generation.brief import ProductFacts

        self.request = request
        brief = request.brief if request else None
        products = (
            list(request.products) if request else [ProductFacts(sku="TEXT", name="", description=facts)]
        )
        self.products = products
        self.truth = (
            RequestTruth(products, brief, request.today, request.shop.statements() if request.shop else ())
            if request is not None
            else RequestTruth.from_text(facts)
        )
        self.facts = facts or "\n".join(
            [*(p.fact_text() for p in products), brief.fact_text() if brief else ""]
        )
        self.banned_terms = [*brief.banned_terms, *_quoted_donts(brief)] if brief else []
        self.banned_claims = list(brief.claims_banned) if brief else []
        self.no_exclamation = brief.forbids_exclamation() if brief else False
        self.names = frozenset(
            norm(n)
            for p in products
            for n in (short_name(p.name), model_name(p), p.name.split()[0] if p.name else "")
        )
        self.vocabulary = {w.rstrip("s") for w in content_words(self.facts)}
        self.fact_words = set(re.findall(r"[\w'&-]+", self.facts.lower()))
        self.generic = set(spec_data()["generic_words"])
        self._memo: dict[tuple[str, str], tuple[list[str], list[str]]] = {}

    def review(self, text: str, spec: FieldSpec) -> tuple[list[str], list[str]]:
        """(problems, backing) of `text` in field `spec`: empty problems = publishable."""
        key = (text, spec.model_dump_json())
        if key not in self._memo:  # a draft's last check sees the same lines again
            self._memo[key] = self._review(text, spec)
        problems, backing = self._memo[key]
        return list(problems), list(backing)

    def _review(self, text: str, spec: FieldSpec) -> tuple[list[str], list[str]]:
        stripped = text.strip()
        if not stripped:
            return ["empty"], []
        out = self._form_problems(text, spec)
        out += [f"banned {t!r}" for t in find_terms(text, self.banned_terms)]
        out += [f"banned claim {c!r}" for c in self.banned_claims if mentions_claim(text, c)]
        # An email body speaks of its products a paragraph at a time: each paragraph is checked against the products
        # it names (the whole body names them all, and one product's figures back no other's).
        parts = [p for p in text.split("\n\n") if p.strip()] if spec.multi_sentence else [text]
        backing: list[str] = []
        for part in parts:
            truth = self.truth.review(part)
            out += [p for p in truth.problems if p not in out]
            backing += [b for b in truth.backing if b not in backing]
        out += self._agreement_problems(text)
        return out, backing

    def problems(self, text: str, spec: FieldSpec) -> list[str]:
        """Why `text` cannot be used in field `spec` (empty = fine)."""
        return self.review(text, spec)[0]

    def _form_problems(self, text: str, spec: FieldSpec) -> list[str]:
        out = []
        if len(text) > spec.max_chars:
            out.append(f"{len(text)} chars > {spec.max_chars}")
        if len(text) < spec.min_chars:
            out.append(f"{len(text)} chars < {spec.min_chars}")
        if spec.required_suffix and not text.endswith(spec.required_suffix):
            out.append(f"missing {spec.required_suffix!r}")
        if self.no_exclamation and "!" in text:
            out.append("exclamation mark (brand voice)")
        if re.search(r"[<>{}\[\]]|https?://|\*\*", text):
            out.append("markup or placeholder")
        if spec.name.startswith("path"):
            if not re.fullmatch(r"[A-Za-z0-9-]+", text):
                out.append("path must be letters, digits and dashes")
            return out
        if not spec.multi_sentence:
            why = fragment_problem(text, self.names)
            if why:
                out.append(f"fragment: {why}")
        if spec.sentence and not re.search(r"[.!?]$", text.removesuffix(spec.required_suffix).strip()):
            out.append("not a full sentence")
        return out

    def _agreement_problems(self, text: str) -> list[str]:
        """One product is "a boot", not "boots"; sizes and colours only for products that have several."""
        out = []
        words = set(_words(text))
        about = [s.product for s in self.truth.about(text)]
        if len(self.products) == 1:
            p = self.products[0]
            head = head_noun(p)
            if head and not is_plural_thing(p) and _plural(head) in words:
                out.append(f"plural {_plural(head)!r} for one product")
        if words & {"sizes", "size", "größen"} and all(len(p.sizes) < 2 for p in about):
            out.append("mentions sizes; the product has one size")
        if words & {"colours", "colors", "colour", "color", "farben"} and all(
            len(p.colours) < 2 for p in about
        ):
            out.append("mentions colours; the product has one colour")
        return out


def _plural(noun: str) -> str:
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def _quoted_donts(brief: Any) -> list[str]:
    return [q for d in brief.brand_voice.dont for q in re.findall(r"[\"“]([^\"”]+)[\"”]", d)]


def content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-zà-ÿ0-9']+", text.lower()) if len(w) > 3]


_ECHO = re.compile(
    r"\b(here are|here is|sure|per line|characters?|numbering|headlines?|descriptions?|facts?|"
    r"tone|audience|as an ai)\b",
    re.I,
)


def llm_line_problems(line: str, rules: Rules) -> list[str]:
    """Extra checks for model-written lines: prompt echoes, stutter, and words the facts do not contain (the tiny
    model invents "luxury", "Men's Hiking Hiking Boot")."""
    out = []
    if _ECHO.search(line):
        out.append("echoes the instructions")
    words = re.findall(r"\w+", line.lower())
    if any(a == b for a, b in zip(words, words[1:], strict=False)) or len(set(words)) < 0.75 * len(words):
        out.append("repeats words")
    novel = [
        w for w in content_words(line) if w.rstrip("s") not in rules.vocabulary and w not in rules.generic
    ]
    if novel and len(novel) > max(1, len(content_words(line)) // 3):
        out.append(f"words not in the facts: {', '.join(novel[:3])}")
    # A capitalised word the facts lack is most likely an invented name or place ("New York", "Hero's Journey").
    names = []
    for w in re.findall(r"(?:(?<=\s)|^)[A-Z][\w'&.-]*", line.strip()):
        bare = w.lower().rstrip(".").removesuffix("'s")
        if (
            not {bare, bare.rstrip("s"), bare + "s"} & rules.fact_words
            and bare not in rules.generic
            and len(bare) > 2
        ):
            names.append(w)
    if names:
        out.append(f"names not in the facts: {', '.join(names[:3])}")
    return out


def validate_draft(draft: Draft, rules: Rules) -> list[str]:
    """Every rule for a whole draft: per-field checks, counts, no duplicate lines, the brief's required phrases."""
    problems = []
    for spec in get_channel(draft.channel).fields:
        value = draft.fields.get(spec.name)
        if value is None:
            problems.append(f"{spec.name} missing")
            continue
        items = value if isinstance(value, list) else [value]
        if spec.kind == "lines" and not spec.min <= len(items) <= spec.max:
            problems.append(f"{spec.name}: {len(items)} items, need {spec.min}-{spec.max}")
        if len({norm(i) for i in items}) != len(items):
            problems.append(f"{spec.name}: duplicate lines")
        for item in items:
            problems += [f"{spec.name} {item[:40]!r}: {p}" for p in rules.problems(item, spec)]
    brief = rules.request.brief if rules.request else None
    every = " ".join(draft.texts()).lower()
    for phrase in brief.required if brief else []:
        if phrase.lower() not in every:
            problems.append(f"required phrase {phrase!r} missing")
    return problems
