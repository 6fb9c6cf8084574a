"""How copy names a product: its short name, its model ("Talus Mid"), its type in the singular ("hiking boot"), and
whether a text (a copy line, a brief's "(Meadow 4)") refers to it.

Product names say one thing ("Scree Low Hiking Shoe"); subcategories say many ("Hiking shoes"). Copy about one product
speaks in the singular, so the type comes from the subcategory made singular, or from the name's last word.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Protocol

from generation.claims import stem

_WORD = re.compile(r"[^\W_][\w'’.-]*")
_PLURAL_ONLY = {"trousers", "overtrousers", "tights", "shorts", "leggings", "pants", "sunglasses", "goggles",
                "crampons", "mittens", "gloves", "socks", "poles", "booties", "snowshoes", "insoles", "spikes",
                "warmers", "gaiters", "bib shorts"}  # fmt: skip


# Words that start product names without naming one ("Trail Race Jacket", "Kids Trekking Poles", "Merino Run Tee").
_GENERIC_FIRST = {"trail", "kids", "light", "soft", "sun", "merino", "mini", "pack", "dry", "loose", "tent", "mat",
                  "down", "water", "energy", "hand", "power", "gravel", "long", "folding", "inner", "padded", "tech",
                  "liner", "insulated", "steel", "titanium", "aluminium", "canister", "avalanche", "crampon", "rope",
                  "sport", "via", "collapsible", "alpine", "expedition", "summer", "base", "camp", "commute"}  # fmt: skip


class Named(Protocol):
    name: str
    category: str
    subcategory: str


def short_name(name: str) -> str:
    """The name without a parenthesised note: "Talus Mid Waterproof Hiking Boot (Men's)" -> "Talus Mid Waterproof
    Hiking Boot"."""
    return re.sub(r"\s*\([^)]*\)", "", name).strip()


def singular(phrase: str) -> str:
    """ "Hiking boots" -> "hiking boot", "Down jackets" -> "down jacket", "Tights" -> "tights" (no singular)."""
    words = phrase.lower().split()
    if not words or words[-1] in _PLURAL_ONLY:
        return " ".join(words)
    last = words[-1]
    if last.endswith("ies") and len(last) > 4:
        last = last[:-3] + "y"
    elif last.endswith(("ches", "shes", "sses", "xes")):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith(("ss", "us", "is")):
        last = last[:-1]
    return " ".join([*words[:-1], last])


# Each trailing part is atomic: the nested quantifiers over digits and spaces, tried again for "$" at every space,
# backtracked polynomially on a long name of numbers. Anchored at the end, it is still tried from every space: it
# reads only a name's last TRAILING_CHARS (a trailing size is a few words).
TRAILING_CHARS = 60
_TRAILING = re.compile(
    rf"(?#bounded:{TRAILING_CHARS})(?>\s+(?:\d[\d.,x+/-]*\s?(?:ml|l|g|kg|cm|mm|m|mah|inch|person|pack)?|wide|fit|category|pro|plus|(?:spf|upf)\s?\d+))+$",
    re.I,
)


def _core_words(product: Named) -> list[str]:
    """The name's words that say what it is: no note, no trailing size ("350 ml", "Category 4", "Wide Fit"); for
    "Trail Meal: Chilli sin Carne" the part before the colon."""
    name = short_name(product.name)
    if ":" in name:
        name = name.split(":")[0]
    head, tail = name[:-TRAILING_CHARS], name[-TRAILING_CHARS:]
    core = (head + _TRAILING.sub("", tail)).strip()
    return (core or name).split()


def is_plural_thing(product: Named) -> bool:
    """Whether the product is named as many things ("Trail Running Socks (3 pack)", "Hand Warmers (10 pairs)",
    "Glacier 12-Point Crampons"): copy then says "they", not "it"."""
    words = _core_words(product)
    last = words[-1].lower() if words else ""
    return last in _PLURAL_ONLY or (
        last.endswith("s") and not last.endswith(("ss", "us", "is")) and len(last) > 3
    )


def head_noun(product: Named) -> str:
    """The noun that says what the product is, lowercased ("Meadow 4 Tent Carpet" -> "carpet", "Insulated Camp Mug
    350 ml" -> "mug")."""
    words = _core_words(product)
    return words[-1].lower() if words else ""


def type_phrase(product: Named) -> str:
    """What the product is, lowercased, in the number the name uses: the subcategory when the name says it ("hiking
    boot"), else the name's last two words ("trekking boot", "tent carpet")."""
    sub = singular(product.subcategory or product.category)
    words = [w.lower() for w in _core_words(product)]
    if not words:
        return sub
    stems = [stem(w) for w in words]
    sub_words = sub.split()
    if sub_words and stem(sub_words[-1]) == stems[-1] and {stem(w) for w in sub_words} <= set(stems):
        first = min(len(stems) - 1 - stems[::-1].index(stem(w)) for w in sub_words)
        return " ".join(words[first:])  # the name's own words: "down sleeping bag", not "down bag"
    if len(words) > 2 and not re.search(r"\d|^(?:ml|l|g|kg|cm|mm|m|with|and|or|for|of)$", words[-2]):
        return " ".join(words[-2:])
    return words[-1]


def model_name(product: Named) -> str:
    """The words before the type ("Talus Mid Waterproof Hiking Boot" -> "Talus Mid Waterproof"); the short name when
    every word is the type. For "Trail Meal: Chilli sin Carne" the part after the colon."""
    name = short_name(product.name)
    if ":" in name:
        return name.split(":", 1)[1].strip()
    words = name.split()
    core = _core_words(product)
    type_words = set(type_phrase(product).split())
    cut = len(core)
    while cut > 1 and core[cut - 1].lower() in type_words:
        cut -= 1
    model = core[:cut]
    if len(model) == 1 and model[0].lower() in _GENERIC_FIRST:
        return " ".join(words)  # "Trail" alone names no product: "Trail Race Jacket"
    return " ".join(model) if cut < len(core) else " ".join(words)


def _stems(text: str) -> set[str]:
    return {stem(w) for w in _WORD.findall(text.lower())}


@lru_cache(maxsize=4096)
def _name_stems(name: str, subcategory: str, category: str) -> frozenset[str]:
    return frozenset(_stems(f"{name} {subcategory} {category}"))


def refers_to(label: str, product: Named) -> bool:
    """Whether a short label ("Meadow 4", "Nordkette boot", "Trail Race Jacket") names `product`. Every word of the
    label must be in the product's name (or type); a label without the product's own noun names only the main
    product of the line ("Meadow 4" is the tent, not the "Meadow 4 Tent Carpet")."""
    words = _WORD.findall(label)
    if not words:
        return False
    label_stems = {stem(w) for w in words}
    if not label_stems <= _name_stems(product.name, product.subcategory, product.category):
        return False
    lower = [w for w in words if w[:1].islower() and not w[:1].isdigit()]
    if lower:  # "Summit jackets": the jackets, not the Summit Down Vest
        return {stem(w) for w in lower} <= _stems(product.name)
    head = stem(head_noun(product))
    return head in label_stems or head in _stems(product.subcategory or product.category)


def handles(product: Named) -> list[str]:
    """Ways a line can name the product, longest first: the short name, the model, the first two words."""
    return list(_handles(product.name, product.category, product.subcategory))


@lru_cache(maxsize=4096)
def _handles(name: str, category: str, subcategory: str) -> tuple[str, ...]:
    from types import SimpleNamespace

    product = SimpleNamespace(name=name, category=category, subcategory=subcategory)
    words = short_name(product.name).split()
    out = [short_name(product.name), model_name(product)]
    if len(words) >= 2:
        out.append(" ".join(words[:2]))
    return tuple(h for h in dict.fromkeys(out) if h and refers_to(h, product))


def mentions(text: str, product: Named) -> bool:
    """Whether `text` names `product` by one of its handles (whole words, any case)."""
    low = text.lower()
    return any(re.search(rf"(?<!\w){re.escape(h.lower())}(?!\w)", low) for h in handles(product))
