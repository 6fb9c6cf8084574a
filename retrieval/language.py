"""Language identification of documents and queries: `detect_language(text) -> "en" | "de" | ...`.

The detector is py3langid (a maintained fork of langid.py: a naive Bayes model over byte n-grams that ships inside
the wheel, so nothing is downloaded). Restricting it to the languages a shop serves makes short texts far more
reliable than choosing among 97 languages: "Kann ich mit PayPal zahlen" is German, not Luxembourgish. A text too short
or too mixed to call (a SKU, "hi", "ok?") gets the `default` language, because a wrong guess costs more than a
default: retrieval would prefer the wrong pages and the reply would switch language.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache

# The languages the assistant serves (fixed phrases exist for them); detection chooses among these only.
SUPPORTED_LANGUAGES = ("en", "de", "fr", "es", "it")
DEFAULT_LANGUAGE = "en"
# Below this probability (after normalising over the candidate languages) the text gets the default language.
MIN_CONFIDENCE = 0.6
_LETTERS = re.compile(r"[^\W\d_]+")
_LOCK = threading.Lock()
_IDENTIFIERS: dict[tuple[str, ...] | None, object] = {}


def _identifier(languages: tuple[str, ...] | None):
    """A py3langid identifier restricted to `languages` (None: all it knows). The model is decompressed once per
    process (about 2 s); restricted copies share its arrays."""
    import copy

    with _LOCK:
        if languages not in _IDENTIFIERS:
            if None not in _IDENTIFIERS:
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _IDENTIFIERS[None] = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            if languages is not None:
                ident = copy.copy(_IDENTIFIERS[None])
                ident.set_languages(list(languages))
                _IDENTIFIERS[languages] = ident
        return _IDENTIFIERS[languages]


def known_language(code: str) -> bool:
    """True for an ISO 639-1 code the detector knows ("de"), false for any other word ("docs")."""
    return len(code) == 2 and code in set(_identifier(None).labels)


def language_scores(
    text: str, languages: tuple[str, ...] | None = SUPPORTED_LANGUAGES
) -> list[tuple[str, float]]:
    """(language, probability) for every language of `languages` (None: all), most likely first."""
    key = tuple(languages) if languages is not None else None
    return [(lang, float(p)) for lang, p in _identifier(key).rank(text)]


@lru_cache(maxsize=4096)
def _detect_cached(text: str, languages: tuple[str, ...] | None, default: str, min_confidence: float) -> str:
    if len("".join(_LETTERS.findall(text))) < 4:
        return default
    lang, prob = language_scores(text, languages)[0]
    return lang if prob >= min_confidence else default


def detect_language(
    text: str,
    languages: tuple[str, ...] | None = SUPPORTED_LANGUAGES,
    default: str = DEFAULT_LANGUAGE,
    min_confidence: float = MIN_CONFIDENCE,
) -> str:
    """ISO 639-1 code of the language `text` is written in, among `languages` (None: the 97 the model knows);
    `default` when it cannot tell.

    Restrict it for short texts such as questions (the default, the languages the assistant serves); documents are
    long enough to be judged among all. Fast after the first call (well under a millisecond for a question); long
    texts are judged on their first 5,000 characters.
    """
    key = tuple(languages) if languages is not None else None
    return _detect_cached((text or "").strip()[:5000], key, default, min_confidence)
