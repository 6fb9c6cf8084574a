"""What a question asks, read by rules that hold in any shop: its type, the figure it wants, the things it names.

- `question_type`: "yesno" ("do you ship to Canada", "kann ich mit PayPal zahlen?"), "figure" (how long / how much /
  when / where: the answer leads with the figure), "list" (which / what options) or "open".
- `wanted_figure`: "price", "duration", "time", "place" or "" (which kind of fact the answer should lead with).
- `named_entities`: the destinations, ways to pay (`prompts/entities.yaml`) a text names, with their type and groups.
- `is_negative`: whether a piece of evidence says no ("cannot be returned", "nicht", "ne ... pas").
- `is_condition`: whether it states a condition or an exception ("only", "unless", "as long as", "außer").

The cue words per language are data (`prompts/grounded.yaml`, `question_cues`); the logic is the same for all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from generation.patterns import alternation

PROMPTS = Path(__file__).parent / "prompts"
_TOKEN = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)


@lru_cache(maxsize=1)
def _cues() -> dict[str, Any]:
    return yaml.safe_load((PROMPTS / "grounded.yaml").read_text(encoding="utf-8"))["question_cues"]


@lru_cache(maxsize=1)
def entity_types() -> dict[str, Any]:
    return yaml.safe_load((PROMPTS / "entities.yaml").read_text(encoding="utf-8"))["types"]


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _TOKEN.findall(text)]


def _has_phrase(text_lower: str, phrases: list[str]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(p.lower())}(?!\w)", text_lower) for p in phrases)


def _all(kind: str) -> list[str]:
    return [w for words in _cues()[kind].values() for w in words]


def cue_phrases(kind: str) -> list[str]:
    """The phrases, in every language, that ask for a figure of this kind ("how long", "wie lange")."""
    return [p.lower() for p in _all(kind)]


def strip_fillers(question: str) -> str:
    """The question without a leading greeting or filler ("hi, quick question: do you ..." -> "do you ...")."""
    text = question.strip()
    fillers = sorted(_all("fillers"), key=len, reverse=True)
    changed = True
    while changed:
        changed = False
        for filler in fillers:
            m = re.match(rf"^\s*{re.escape(filler)}(?!\w)[\s,.:;!-]*", text, re.IGNORECASE)
            if m and m.end() < len(text):
                text, changed = text[m.end() :], True
    return text.lstrip("¿¡ ")


def only_fillers(message: str) -> bool:
    """True when `message` is greetings and fillers only ("Hallo, guten Tag", "hi there, good morning"): it asks
    nothing the help pages could answer."""
    core = strip_fillers(message).strip(" \t\n,.:;!?-¿¡").lower()
    return bool(core) and core in _filler_set()


@lru_cache(maxsize=1)
def _filler_set() -> frozenset[str]:
    return frozenset(w.lower() for w in _all("fillers"))


def wanted_figure(question: str) -> str:
    """The kind of figure the question asks for: "price", "duration", "time", "place", "weight", "temperature" or
    ""."""
    low = question.lower()
    for kind in ("weight", "temperature", "price", "duration", "time", "place"):  # "how much does it weigh"
        if _has_phrase(low, _all(kind)):
            return kind
    return ""


def question_type(question: str) -> str:
    """ "yesno", "figure", "list" or "open" (see the module docstring)."""
    core = strip_fillers(question)
    low = core.lower()
    words = tokens(core)
    if not words:
        return "open"
    yes_no = words[0] in set(_all("yesno_starts")) or _has_phrase(low, _all("yesno_phrases"))
    # "do you price match amazon?" asks yes or no though it names a price; "can you tell me how long it takes" and
    # "Was kostet der Versand?" (German "was" is "what") do not
    if yes_no and not set(_all("wh_words")) & set(words):
        return "yesno"
    if wanted_figure(core):
        return "figure"
    if _has_phrase(low, _all("list")):
        return "list"
    if yes_no:
        return "yesno"
    asks = core.rstrip().endswith("?")
    # "you ship to Austria?", "Liefert ihr nach Kanada?": a question without a question word that addresses someone
    if asks and words[0] not in set(_all("wh_words")) and set(_all("pronouns")) & set(words[:3]):
        return "yesno"
    return "open"


def is_negative(text: str) -> bool:
    """True when `text` says no: a negation word ("not", "cannot", "nicht", "kein", "jamais") or "ne ... pas"."""
    low = text.lower()
    words = set(tokens(text))
    if words & set(_all("negations")):
        return True
    return bool(re.search(r"\bn(?:e|')\s?\w+.*?\b(?:pas|jamais|plus|aucun)\b", low))


def is_condition(text: str) -> bool:
    """True when `text` states a condition or exception ("only", "unless", "as long as", "nur", "sauf")."""
    return _has_phrase(text.lower(), _all("conditions"))


@dataclass(frozen=True)
class Entity:
    """A thing a text names: its type ("country"), canonical name, the groups it belongs to, and the words used."""

    type: str
    name: str
    groups: tuple[str, ...]
    surface: str


_ORDINARY_WORDS = frozenset({"us", "eu", "ue", "cod", "eps", "ch", "it"})


@dataclass(frozen=True)
class _Alias:
    entity: Entity  # what the alias names (its `surface` is filled in where a text uses it)
    is_group: bool
    exact_case: str  # codes that are ordinary words too ("US"/"us") count only in capitals; "" = any case


@lru_cache(maxsize=1)
def _aliases() -> dict[str, list[_Alias]]:
    """Every alias, lower-cased, to what it may name (in the gazetteer's order)."""
    rows: dict[str, list[_Alias]] = {}

    def add(alias: str, entity: Entity, is_group: bool) -> None:
        rows.setdefault(alias.lower(), []).append(_Alias(entity, is_group, _exact_case(alias)))

    for type_name, spec in entity_types().items():
        for member in spec.get("members", []):
            names = member["names"]
            for alias in names:
                add(alias, Entity(type_name, names[0], tuple(member.get("groups", [])), ""), False)
        for group, aliases in (spec.get("groups") or {}).items():
            for alias in aliases:
                add(alias, Entity(type_name, group, (group,), ""), True)
    return rows


def _exact_case(alias: str) -> str:
    return alias if alias.isupper() and alias.lower() in _ORDINARY_WORDS else ""


@lru_cache(maxsize=2)
def _alias_pattern(groups: bool) -> re.Pattern[str]:
    """One pattern for all aliases (longest first at each place), so a text is scanned once, not once per alias."""
    words = [w for w, rows in _aliases().items() if groups or any(not r.is_group for r in rows)]
    return re.compile(rf"(?<![\w-])(?:{alternation(words)})(?![\w-])", re.IGNORECASE)


def named_entities(text: str, *, groups: bool = False) -> list[Entity]:
    """The gazetteer's things named in `text`, left to right (with `groups`, also group names such as "EU")."""
    return list(_named_entities(text, groups))


# Evidence units come back turn after turn; the names in each are read once (Entity is frozen).
@lru_cache(maxsize=8192)
def _named_entities(text: str, groups: bool) -> tuple[Entity, ...]:
    out: list[Entity] = []
    for m in _alias_pattern(groups).finditer(text):
        surface = m.group(0)
        for alias in _aliases()[surface.lower()]:
            if (alias.is_group and not groups) or (alias.exact_case and surface != alias.exact_case):
                continue
            entity = replace(alias.entity, surface=surface)
            if all((e.type, e.name) != (entity.type, entity.name) for e in out):
                out.append(entity)
            break
    return tuple(out)


OTHERS = "others"  # the group "other countries": every one the evidence gives no rule of its own


def covers(mentions: list[Entity], entity: Entity, *, named_elsewhere: bool = True) -> bool:
    """Whether `mentions` (from the evidence, groups included) name `entity` itself or a group it belongs to.
    "Other countries" covers it only where no other part of the evidence names it (`named_elsewhere` False): "In
    Austria the label is free. From other countries we deduct 6.95 EUR" gives Austria the first sentence only."""
    for m in mentions:
        if m.type != entity.type:
            continue
        if m.name == OTHERS:
            if not named_elsewhere:
                return True
            continue
        if m.name == entity.name or (set(m.groups) & set(entity.groups) and m.name in entity.groups):
            return True
    return False


def split_questions(message: str) -> list[str]:
    """Several questions in one message -> one string each ("how long is delivery? and can I pay by PayPal").

    Splits after a question mark, and at "and"/"also"/"und"/"et"/"y"/"e" when a question word or a yes/no opener
    follows; a single question comes back as it is.
    """
    openers = set(_all("wh_words")) | set(_all("yesno_starts"))
    parts: list[str] = []
    for piece in (p.strip() for p in re.split(r"(?<=\?)\s+", message.strip())):
        if not piece:
            continue
        if parts and (
            len(tokens(piece)) < 3 or len(tokens(parts[-1])) < 3 or not _asks(piece, openers)
        ):  # "ship to ireland?? how long" is one question; "can I return it? I'm not a member." too
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    joiners = "|".join(re.escape(j) for j in _all("joiners"))
    conditions = set(_all("opening_conditions"))
    out: list[str] = []
    for part in parts:
        pieces = re.split(rf"(\s*,?\s*\b(?:{joiners})\b\s+)", part, flags=re.IGNORECASE)
        current = pieces[0]
        for sep, piece in zip(pieces[1::2], pieces[2::2], strict=False):
            words = tokens(piece)
            first = words[:1]
            # "and if the boots don't fit can I send them back?": a condition, then a question of its own
            condition = (
                bool(first)
                and first[0] in conditions
                and len(words) >= 5
                and any(w in openers for w in words[2:])
            )  # ("and if so, how?" leans on what came before: no question of its own)
            asks = bool(first) and (first[0] in openers or condition)
            if asks and len(tokens(current)) >= 3 and len(words) >= 3:
                out.append(current.strip())
                current = piece
            else:
                current = f"{current}{sep}{piece}"
        out.append(current.strip())
    return [q for q in out if tokens(q)]


def opens_with_question_word(text: str) -> bool:
    """Whether `text` (after greetings) opens with a question word ("which ...", "welche ...", "quelles ..."):
    it asks for a thing, not for a yes or a no."""
    words = tokens(strip_fillers(text))
    return bool(words) and words[0] in set(_all("wh_words"))


def asks_question(piece: str) -> bool:
    """Whether a piece of a message is a question: it ends with a question mark or opens like one."""
    return _asks(piece, set(_all("wh_words")) | set(_all("yesno_starts")))


def _asks(piece: str, openers: set[str]) -> bool:
    """Whether a piece after a question is a question of its own: it ends with a question mark or opens like one.
    A statement after a question ("... can I still return it? I'm not in the club.", "some shops do") is the
    customer's case or reason, context of the question before it, never a question to find an answer for."""
    if piece.rstrip().endswith("?"):
        return True
    words = tokens(piece)
    lowered = piece.lower()
    return bool(words) and (words[0] in openers or any(p in lowered for p in _all("yesno_phrases")))


def kind_probe(type_name: str, size: int = 6, *, every_name: bool = False) -> str:
    """Words that find where the evidence lists things of this kind: the first members' names ("Austria Germany
    France ..."), for a second search when a question names one; `every_name` adds their other names ("Österreich",
    "Autriche"), which find the same list on the shop's pages in other languages."""
    members = entity_types().get(type_name, {}).get("members", [])[:size]
    names = [n for m in members for n in (m["names"] if every_name else m["names"][:1])]
    return " ".join(dict.fromkeys(names))
