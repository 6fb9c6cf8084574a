"""What a catalog row says, as facts: numeric figures with their units, and yes/no claims with their polarity.

    figures(product)["comfort_temperature"] -> Figure(value=-4.0, unit="°C", text="comfort -4 °C", field="description")
    claim(product, "waterproof")            -> Claim(polarity="no", sentence="The open mesh upper is not waterproof")

Figures come from a column where the catalog has one (price, weight_g, sizes) and otherwise from the first number with
the attribute's unit in the name, materials or description (patterns in `catalog_lexicon.yaml`). A claim is looked up
clause by clause: a negation before the claim's words in the same clause ("not waterproof", "does not remove viruses")
makes it a "no"; "-free" and "non-" compounds negate their stem ("BPA-free", "non-itchy"); words hyphenated into
another compound are another word ("waterproof-coated" is not "waterproof"). Nothing found is "unknown", never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from assistant.commerce.lexicon import AttributeSpec, Lexicon, lexicon, normalize

Polarity = Literal["yes", "no", "unknown"]
# A dash break starts at the first space of a run: from each later space it would rescan the run (quadratic).
_CLAUSE_BREAK = re.compile(r"[.;:!?()]+|,\s+|(?<!\s)\s+[-–—]\s+")
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
_SUFFIXES = ("ables", "able", "ibles", "ible", "ings", "ing", "edly", "ed", "es", "s")


@dataclass(frozen=True)
class Figure:
    """One number the catalog gives for a product, with its unit and the text it was read from."""

    attribute: str
    value: float
    unit: str
    text: str  # as the catalog writes it: "-4 °C", "720 g", "3,000 mm", "399.00 EUR"
    field: str  # the column it came from: price, weight_g, sizes, name, materials, description


@dataclass(frozen=True)
class Claim:
    """Whether a product's row says it is (or does) something, and the words that say so."""

    term: str
    polarity: Polarity
    sentence: str = ""
    field: str = ""


def number(text: str) -> float:
    """A catalog number as written ("1,250", "-4", "−17", "4,2") as a float."""
    text = text.strip().replace("−", "-").replace("–", "-")
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+", text):
        text = text.replace(",", "")
    return float(text.replace(",", "."))


def format_value(value: float) -> str:
    """A figure for a reply the way the catalog row reads (no trailing .0)."""
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.0f}"


def _column_figure(product: Any, spec: AttributeSpec) -> Figure | None:
    raw = getattr(product, spec.column or "", None)
    if raw is None or raw == "" or raw == []:
        return None
    if spec.name == "price":
        return Figure("price", float(raw), product.currency, f"{float(raw):.2f} {product.currency}", "price")
    if isinstance(raw, int | float):
        return Figure(
            spec.name, float(raw), spec.unit, f"{format_value(float(raw))} {spec.unit}", spec.column
        )
    return _pattern_figure(spec, " | ".join(raw) if isinstance(raw, list) else str(raw), spec.column or "")


def _pattern_figure(spec: AttributeSpec, text: str, field_name: str) -> Figure | None:
    for pattern in spec.patterns:
        for match in pattern.finditer(text):
            try:
                value = number(match.group("value"))
            except ValueError:
                continue
            unit = (match.groupdict().get("unit") or "").lower()
            value *= spec.units.get(unit, 1.0) if unit else 1.0
            if spec.minimum is not None and value < spec.minimum:
                continue
            return Figure(spec.name, value, spec.unit, match.group(0).strip(), field_name)
    return None


def figures(product: Any, lex: Lexicon | None = None) -> dict[str, Figure]:
    """Every numeric attribute of the lexicon that this product's row gives, by attribute name."""
    lex = lex or lexicon()
    fields = (
        ("name", product.name),
        ("materials", " | ".join(product.materials)),
        ("description", product.description),
    )
    out: dict[str, Figure] = {}
    for spec in lex.attributes:
        found = _column_figure(product, spec) if spec.column else None
        if found is None and spec.patterns and spec.name != "persons":
            for field_name, text in fields:
                found = _pattern_figure(spec, text, field_name)
                if found is not None:
                    break
        if found is not None:
            out[spec.name] = found
    return out


# -- claims ----------------------------------------------------------------------------------------------------------


def stem(word: str) -> str:
    """A rough English stem, enough to meet "washable" with "wash", "viruses" with "virus" and "remove" with
    "removes" (a final silent "e" goes, as the suffixes take it: remov-es, remov-ing)."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            return word[: -len(suffix)]
    return word[:-1] if word.endswith("e") and len(word) >= 6 else word


def claim_words(term: str, lex: Lexicon | None = None) -> tuple[list[str], bool]:
    """The content words of a claim and whether the customer asked it the other way round ("gluten-free")."""
    lex = lex or lexicon()
    words = [w for w in _WORD.findall(term.lower()) if w not in lex.stopwords or w in ("free",)]
    inverted = False
    out: list[str] = []
    for word in words:
        if word == "free" and out:
            inverted = True
        elif word.endswith("-free") and len(word) > 5:
            out.append(word[:-5])
            inverted = True
        else:
            out.append(word)
    return out, inverted


def _clause_tokens(clause: str) -> list[tuple[str, bool]]:
    """A clause as (word, negated-by-its-own-affix) pairs: "bpa-free" -> ("bpa", True)."""
    out = []
    for token in _WORD.findall(clause.lower()):
        if token.endswith("-free") and len(token) > 5:
            out.append((token[:-5], True))
        elif token.startswith(("non-", "no-")):
            out.append((token.split("-", 1)[1], True))
        else:
            out.append((token, False))
    return out


def _matches(token: str, word: str) -> bool:
    return token == word or stem(token) == stem(word)


def _clause_verdict(clause: str, words: list[str], lex: Lexicon) -> Polarity | None:
    pairs = _clause_tokens(clause)
    positions = []
    for word in words:
        at = next((i for i, (token, _) in enumerate(pairs) if _matches(token, word)), None)
        if at is None:
            return None
        positions.append(at)
    first = min(positions)
    if any(pairs[p][1] for p in positions):
        return "no"
    before = [token for token, _ in pairs[:first]]
    cut = max((i for i, t in enumerate(before) if t in lex.contrast), default=-1)
    return "no" if any(t in lex.negation for t in before[cut + 1 :]) else "yes"


def sentences_of(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text or "") if s.strip()]


def claim(product: Any, term: str, lex: Lexicon | None = None) -> Claim:
    """Whether the product's name, materials or description say `term` of it (see the module docstring)."""
    lex = lex or lexicon()
    term = lex.claim_terms.get(normalize(term), term)
    words, inverted = claim_words(term, lex)
    if not words:
        return Claim(term, "unknown")
    found: Claim | None = None
    sources = [("name", product.name), *(("materials", m) for m in product.materials)]
    sources += [("description", s) for s in sentences_of(product.description)]
    for field_name, sentence in sources:
        for clause in _CLAUSE_BREAK.split(sentence):
            verdict = _clause_verdict(clause, words, lex)
            if verdict is None:
                continue
            if found is None or (verdict == "no" and found.polarity == "yes" and found.field != "name"):
                found = Claim(term, verdict, sentence, field_name)
            elif found.field == "name" and verdict == "yes" and field_name == "description":
                # the name says it; a sentence of the description says it better
                return _maybe_invert(Claim(term, "yes", sentence, field_name), inverted)
    return _maybe_invert(found or Claim(term, "unknown"), inverted)


def _maybe_invert(found: Claim, inverted: bool) -> Claim:
    if not inverted or found.polarity == "unknown":
        return found
    flipped: Polarity = "no" if found.polarity == "yes" else "yes"
    return Claim(found.term, flipped, found.sentence, found.field)


def mentions(product: Any, words: list[str]) -> list[str]:
    """The description sentences that use any of `words` (by stem): context for an answer the catalog cannot give."""
    stems = {stem(w.lower()) for w in words}
    return [
        s for s in sentences_of(product.description) if any(stem(t) in stems for t, _ in _clause_tokens(s))
    ]
