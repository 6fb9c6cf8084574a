"""The phrase bank of template copy (`phrase_bank.yaml`), typed and checked when loaded.

Benefits turn an attribute the product's facts assert ("waterproof" on a boot) into what it does for the buyer ("Keeps
Feet Dry"); the shop's policies become selling points only with the values its own pages state; the brief's offer gets
short forms that keep every figure it has. Every word of the bank counts as traceable copy (`bank_words`).

    bank().benefits_for(asserted={"waterproof"}, materials=["Rubber"], category="Footwear")[0].headline
    -> "Keeps Feet Dry"
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, model_validator

DATA = Path(__file__).with_name("phrase_bank.yaml")


class Benefit(BaseModel):
    """What an attribute family (or a named material) does for the buyer, as a headline and a sentence."""

    family: str = ""
    material: str = ""
    categories: list[str] = Field(default_factory=list)
    headline: str = Field(max_length=30)
    sentence: str = Field(max_length=90)

    @model_validator(mode="after")
    def _one_trigger(self) -> Benefit:
        if bool(self.family) == bool(self.material):
            raise ValueError(f"benefit {self.headline!r}: give exactly one of family or material")
        if not self.sentence.endswith((".", "!", "?")):
            raise ValueError(f"benefit {self.headline!r}: the sentence must end with a stop")
        return self

    def fits(self, asserted: set[str], materials: Iterable[str], category: str) -> bool:
        if self.categories and category not in self.categories:
            return False
        if self.family:
            return self.family in asserted
        return any(re.search(rf"\b{re.escape(self.material)}\b", m, re.I) for m in materials)


class ShopPointLines(BaseModel):
    headlines: list[str]
    sentences: list[str]


class AdStrengthSpec(BaseModel):
    headlines_target: int
    descriptions_target: int
    keyword_headlines_min: int
    distinct_openings_min: int
    grades: list[str] = Field(min_length=4, max_length=4)


class ShopReading(BaseModel):
    window_words: list[str]
    return_words: list[str]
    delivery_words: list[str]


class PhraseBank(BaseModel):
    """The whole bank (see phrase_bank.yaml for what each part is)."""

    benefits: list[Benefit]
    keyword_lines: list[str]
    light_weight_max_g: int
    weight_lines: list[str]
    purpose_lines: list[str]
    audience_lines: list[str]
    shop_points: dict[str, ShopPointLines]
    offer_lines: dict[str, list[str]]
    cta_headlines: list[str]
    cta_headlines_sizes: list[str]
    cta_headlines_colours: list[str]
    cta_sentences: list[str]
    cta_sentences_sizes: list[str]
    cta_sentences_colours: list[str]
    connectives: list[str]
    cautionary: list[str]
    care_openings: list[str]
    small_words: list[str]
    units: list[str]
    ad_strength: AdStrengthSpec
    shop_reading: ShopReading
    synonyms: list[list[str]]
    light_words: list[str]

    def canonical(self, word: str) -> str:
        """The first word of `word`'s synonym group (itself when it has none)."""
        return _canonical_words().get(word, word)

    def benefits_for(self, asserted: set[str], materials: Iterable[str], category: str) -> list[Benefit]:
        """The benefits a product earns, one per attribute family or material (the first rule that fits wins)."""
        out, seen = [], set()
        materials = list(materials)
        for b in self.benefits:
            key = b.family or b.material
            if key not in seen and b.fits(asserted, materials, category):
                seen.add(key)
                out.append(b)
        return out

    def ctas(self, kind: str, sizes: int, colours: int) -> list[str]:
        """Calls to action of `kind` ("headlines" | "sentences"); size and colour ones only where there are several."""
        base = list(getattr(self, f"cta_{kind}"))
        if sizes >= 2:
            base += getattr(self, f"cta_{kind}_sizes")
        if colours >= 2:
            base += getattr(self, f"cta_{kind}_colours")
        return base


@lru_cache(maxsize=1)
def bank() -> PhraseBank:
    """The phrase bank, validated (a bad entry fails at the first use with the entry named)."""
    return PhraseBank.model_validate(yaml.safe_load(DATA.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _canonical_words() -> dict[str, str]:
    return {w: group[0] for group in bank().synonyms for w in group}


@lru_cache(maxsize=1)
def bank_words() -> frozenset[str]:
    """Every word the bank writes itself (slots excluded): traceable in any line."""
    b = bank()
    texts = [
        *b.connectives,
        *b.keyword_lines,
        *b.purpose_lines,
        *b.audience_lines,
        *b.cta_headlines,
        *b.weight_lines,
    ]
    texts += [*b.cta_headlines_sizes, *b.cta_headlines_colours, *b.cta_sentences, *b.cta_sentences_sizes]
    texts += b.cta_sentences_colours
    texts += [t for ben in b.benefits for t in (ben.headline, ben.sentence)]
    texts += [t for p in b.shop_points.values() for t in (*p.headlines, *p.sentences)]
    texts += [t for forms in b.offer_lines.values() for t in forms]
    words = re.findall(r"[\w'’-]+", re.sub(r"\{\w+\}", " ", " ".join(texts)).lower())
    return frozenset(words)
