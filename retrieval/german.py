"""German for BM25: Snowball stems, function words, and compounds split into parts the pages use.

German writes as one word what English writes as two: a customer asks about "Kreditkarte" and the payment page says
"Kartenzahlungen"; "Rücksendung" and "Sendung", "Versandkosten" and "Kosten". Without help BM25 sees unrelated
words. The Snowball stemmer (snowballstemmer, the maintained Python port) folds inflections ("Zahlungen" ->
"zahlung"); `Decompounder` splits a long word where both halves (or the head and a modifier with its linking "s"/
"n"/"en"/"es" dropped) are stems the index's German pages use on their own, and keeps the whole word beside its
parts, so an exact match still counts most. The parts are checked against the pages' own vocabulary rather than a
dictionary: a split is only useful where it can match something, and a vocabulary cannot invent one.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

# Function words (articles, pronouns, auxiliaries, particles): they carry no subject and every German page has them.
STOPWORDS = frozenset(
    """aber alle allem allen aller alles als also am an ans auch auf aus bei beim bin bis bist da damit dann das dass
    dein deine dem den denn der des dich die dir doch dort du durch ein eine einem einen einer eines er es etwa euch
    euer eure für fur gibt habe haben hast hat hatte ich ihm ihn ihr ihre im in ins ist ja jetzt kann kannst konnen
    können könnt konnt man mein meine meinem meinen meiner mich mir mit muss musst nach noch nun nur ob oder ohne schon
    sehr sein seine sich sie sind so soll sollte sollen über uber um und uns unser unsere unter vom von vor war waren
    was welche welcher welches wenn wer werde werden wie wir wird wo wurde würde wurde zu zum zur""".split()
)
# Separable verb particles that carry the meaning ("zurück|geben", "zurück|zu|schicken" both say "back"); split off
# even where the verb itself is not in the pages, so that two verbs of sending back meet on "zuruck".
PARTICLES = ("zuruck", "heraus", "hinaus", "hinein", "voraus", "weiter", "wieder")
LINKING = ("es", "en", "s", "n")  # Fugenelemente a modifier may end with: Versand-s-kosten, Karte-n-zahlung
MIN_COMPOUND = 9  # shorter words are rarely compounds worth splitting ("Rückgabe" stays whole)
MIN_HEAD = 4
MIN_MODIFIER = 4  # "ent|halten", "Ost|erreich" are no compounds

_STEMMER = snowballstemmer.stemmer("german")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball German stem of a lower-cased word; numbers stay as they are."""
    if word[:1].isdigit():
        return word
    return _STEMMER.stemWord(word)


class Decompounder:
    """Splits long German words into parts whose stems the vocabulary holds (built from the pages' own words)."""

    def __init__(self, words: Iterable[str]) -> None:
        self.vocabulary = frozenset(stem(w) for w in words if len(w) >= MIN_HEAD)

    def parts(self, word: str) -> list[str]:
        """Stems of the modifier and head of `word` (a lower-cased surface word), or [] when it does not split.

        The longest head the vocabulary knows wins: German compounds are head-final, and the head says what the word
        names ("Kredit|karte" is a card). The modifier counts too where the vocabulary knows it, with or without its
        linking letters.
        """
        if len(word) < MIN_COMPOUND or word[:1].isdigit():
            return []
        for particle in PARTICLES:
            if word.startswith(particle) and len(word) - len(particle) >= MIN_HEAD:
                verb = word[len(particle) :]
                verb = verb[2:] if verb.startswith("zu") and stem(verb[2:]) in self.vocabulary else verb
                return [particle, stem(verb)] if stem(verb) in self.vocabulary else [particle]
        for cut in range(MIN_MODIFIER, len(word) - MIN_HEAD + 1):
            head = stem(word[cut:])
            if head not in self.vocabulary:
                continue
            modifier = word[:cut]
            out = [head]
            for candidate in (modifier, *(modifier[: -len(x)] for x in LINKING if modifier.endswith(x))):
                if len(candidate) >= MIN_MODIFIER and stem(candidate) in self.vocabulary:
                    out.insert(0, stem(candidate))
                    break
            return out
        return []
