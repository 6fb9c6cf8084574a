"""Which campaign brief a marketer's request means, when it does not say "the X campaign" in so many words.

`lookup_brief` (tools/copy_check.py) reads a campaign *name* strictly ("Black Friday Mega Sale" names no brief). The
readings here cover the rest, all from the briefs' own fields, never from a list of example requests:

* the request's own words, once the names of the products it mentions are taken out ("winter trail meta ads",
  "rsa winter", "Alpine email headline", "Winter-Trail-Mails"); the words of a product's name ("Nordkette Insulated
  *Winter* Boot", "*Trail* Spikes") say which product, not which campaign. Without the word "campaign" only the words
  of a brief's id and name count (fuzzily, for "treline" or "Openr"), never its goal or audience;
* a year alone ("the 2027 campaign") names every brief of that year: one is the brief, several are a question;
* for a claim to check, the one brief whose products include the products named ("can we call the Splash kids rain
  jacket 100% waterproof" is judged by the brief that sells it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz

from generation import CampaignBrief, campaign_words, resolve_brief

_WORD = re.compile(r"[^\W\d_]+")
_YEAR = re.compile(r"\b20\d\d\b")
FUZZY_WORD = 85  # rapidfuzz ratio at which a misspelt word ("treline", "seasn") is a brief's word


def without_product_names(text: str, names: Iterable[str], keep: Iterable[str] = ()) -> str:
    """`text` with each run of words that belong to a named product's name taken out: "add the Trail Spikes to the
    winter trail ads" -> "add the to the winter trail ads". A run goes only with a word that is none of the `keep`
    words (the briefs' own: "trail running google ads for the Ridgerunner" keeps "trail running"), and a single word
    only when it is long and written with a capital ("Nordkette")."""
    keep = {k.lower() for k in keep}
    sets = [{w.lower() for w in _WORD.findall(n) if len(w) >= 3} for n in names]
    if not sets:
        return text
    tokens = list(re.finditer(r"[^\W_]+", text))
    drop: list[tuple[int, int]] = []
    for words in sets:
        run: list[re.Match[str]] = []
        for tok in [*tokens, None]:
            if tok is not None and _in_name(tok.group(0).lower(), words):
                run.append(tok)
                continue
            own = [t for t in run if t.group(0).lower() not in keep and not t.group(0).isdigit()]
            lone = len(run) == 1 and len(run[0].group(0)) >= 5 and run[0].group(0)[:1].isupper()
            if own and (
                len(run) >= 2 or lone
            ):  # "trail running" is the campaign's, "Trail Spikes" a product's
                drop.append(
                    (run[0].start(), run[-1].end())
                )  # "Nordkette", "Summit 800 down": a name as written
            run = []
    for start, end in sorted(set(drop), reverse=True):
        text = text[:start] + " " + text[end:]
    return " ".join(text.split())


def _in_name(token: str, words: set[str]) -> bool:
    if token.isdigit():
        return token in words or any(token in w for w in words)
    stemmed = token.rstrip("s")
    return (
        token in words or stemmed in words or any(len(w) >= 6 and fuzz.ratio(token, w) >= 88 for w in words)
    )


def own_words(brief: CampaignBrief) -> set[str]:
    """The words of a brief's id and name that may name it ("winter", "trail", "treeline"; not "the")."""
    data = campaign_words()
    ignore = set(data["stopwords"]) | set(data.get("name_fillers", []))
    return {
        w for w in _WORD.findall(f"{brief.id.replace('-', ' ')} {brief.name}".lower()) if len(w) >= 3
    } - ignore


def own_word_hits(text: str, brief: CampaignBrief) -> set[str]:
    """The words of `text` that are words of the brief's id or name, misspellings included ("treline")."""
    data = campaign_words()
    ignore = set(data["stopwords"]) | set(data.get("name_fillers", []))
    own = own_words(brief)
    hits = set()
    for word in {w.lower() for w in _WORD.findall(text)} - ignore:
        if len(word) < 3:
            continue
        if word in own or any(len(word) >= 5 and fuzz.ratio(word, o) >= FUZZY_WORD for o in own):
            hits.add(word)
    return hits


def briefs_by_words(text: str, briefs: list[CampaignBrief], *, cue: bool) -> list[CampaignBrief]:
    """The briefs `text` names by their own words, best first; several when they fit about equally. With the word
    "campaign" (`cue`), a season or a topic also counts (`generation.resolve_brief`)."""
    if cue:
        found = resolve_brief(text, briefs)
        if found.candidates:
            return [m.brief for m in found.candidates]
    scored = [(len(own_word_hits(text, b)), b) for b in briefs]
    scored = [(n, b) for n, b in scored if n]
    if not scored:
        return []
    best = max(n for n, _ in scored)
    return [b for n, b in scored if n == best]


def briefs_of_year(name: str, briefs: list[CampaignBrief]) -> list[CampaignBrief] | None:
    """The briefs a name that is only a year names ("2027"): those whose id says that year (None: not a year)."""
    words = set(_WORD.findall(name.lower())) - set(campaign_words()["stopwords"])
    years = set(_YEAR.findall(name))
    if not years or words:
        return None
    return [b for b in briefs if years & set(_YEAR.findall(b.id))]


def brief_of_products(skus: Iterable[str], briefs: list[CampaignBrief]) -> CampaignBrief | None:
    """The one brief that sells any of `skus` (None when none does, or several do)."""
    wanted = set(skus)
    owners = [b for b in briefs if wanted & set(b.products)]
    return owners[0] if len(owners) == 1 else None
