"""Regular-expression helpers shared by the readers of figures and names.

`alternation(words)` writes a list of words as one trie-shaped alternation ("t(?:en|hree|wo)" instead of
"three|two|ten"). Python's `re` tries the branches of a plain alternation one by one at every position; the trie lets
it rule a position out after its first character, which halves the time `extract_facts` spends on a help page. It
matches exactly what the longest-first plain alternation matches: at one position the longest word that lets the rest
of the pattern match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_END = ""


def alternation(words: Iterable[str]) -> str:
    """A regular expression (no groups that capture) matching any of `words`, longer words tried first."""
    trie: dict[str, dict] = {}
    for word in set(words):
        if not word:
            continue
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[_END] = {}
    return _emit(trie) if trie else "(?!)"


def _emit(node: dict[str, dict]) -> str:
    branches = [re.escape(ch) + _emit(child) for ch, child in sorted(node.items()) if ch != _END]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    # A word may end here: the longer continuation is tried first (greedy), then the word itself.
    return f"(?:{body})?" if _END in node else body
