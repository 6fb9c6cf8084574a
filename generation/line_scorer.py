"""A small learned scorer of short copy lines: how close a line drawn from (or written about) a source text is likely to
be to the headline a person would write, from generic features only (length, where in the source it sits, whether it
is a whole clause, capitalisation, function words, pronouns, overlap with the topic).

Trained by ridge regression on `website_headlines_slogans_jin2021/valid.csv` (description -> the company's real
headline; target: ROUGE-L F1 of each candidate span against it). The artifact, `line_scorer.json`, holds only the
feature names, their scaling and weights: no words or text of the data set. test-curated.csv is never used here.

    python -m generation.line_scorer train ../shared/data/website_headlines_slogans_jin2021/valid.csv
    score_lines(["Estate Agent Wigan", "Buy, Sell or Rent"], description)  -> [0.31, 0.12]
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from generation.copy_rules import spec_data

ARTIFACT = Path(__file__).parent / "line_scorer.json"
_PRONOUNS = {"we", "our", "us", "you", "your", "i", "my"}
_VERBS = set(
    "provide provides offer offers help helps create creates deliver delivers make makes build builds bring brings "
    "specialize specializes specialise specialises supply supplies serve serves is are was".split()
)
_ADJ = ("al", "ive", "ful", "ous", "ic", "ed", "able", "ible", "ary")
FEATURES = [
    "words", "chars", "sentence", "clause_in_sentence", "clause", "starts_clause", "ends_clause", "position",
    "caps", "first_cap", "last_cap", "function_share", "pronoun", "repeats", "digits", "last_ing", "first_ing",
    "last_s", "last_adjective", "first_verb", "word_length", "clause_words", "clause_share", "topic", "source_words",
    "has_in", "has_and", "in_source",
]  # fmt: skip


def _norm(word: str) -> str:
    return word.lower().strip(".,!?\"'’“”()")


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    return frozenset(spec_data()["function_words"])


def _stem(w: str) -> str:
    return re.sub(r"(ies|es|s|ing|ed|al|ion|ions)$", "", w)


@dataclass(frozen=True)
class Span:
    """A candidate line cut from a source: its text and where it sits."""

    text: str
    sentence: int
    clause_in_sentence: int
    clause: int
    start: int  # word index in the clause
    end: int
    clause_words: int
    position: float  # word index in the whole source / its length


def clauses(source: str) -> list[tuple[int, int, list[str]]]:
    """(sentence index, clause index in the sentence, words) of a source text ("<company> is" dropped)."""
    text = re.sub(r"<company>\s*(?:(?:is|are|was|has been|have been|has|have)\b\s*)?", "", source)
    text = re.sub(r"\s+", " ", text)
    out = []
    for si, sentence in enumerate(re.split(r"(?<=[.!?])\s+", text)):
        for ci, clause in enumerate(re.split(r"[,;:–—|()]\s*|\s-\s", sentence)):
            words = clause.split()
            if words:
                out.append((si, ci, words))
    return out


def candidate_spans(source: str, max_chars: int = 30, max_words: int = 8) -> list[Span]:
    """Every span of 2 to `max_words` words within one clause that fits `max_chars` and neither starts nor ends with a
    function word."""
    function = _function_words()
    parts = clauses(source)
    total = sum(len(w) for _, _, w in parts) or 1
    out, seen_words = [], 0
    for k, (si, ci, words) in enumerate(parts):
        for i in range(len(words)):
            for j in range(i + 2, min(len(words), i + max_words) + 1):
                text = " ".join(words[i:j]).strip(".,!?\"'“”")
                if len(text) > max_chars:
                    break
                if _norm(words[i]) in function or _norm(words[j - 1]) in function or "<company>" in text:
                    continue
                out.append(Span(text, si, ci, k, i, j, len(words), (seen_words + i) / total))
        seen_words += len(words)
    return out


def locate(line: str, source: str) -> Span | None:
    """The span of `source` whose words are the line's, if the line was cut from it."""
    want = [_norm(w) for w in line.split()]
    parts = clauses(source)
    total = sum(len(w) for _, _, w in parts) or 1
    seen = 0
    for k, (si, ci, words) in enumerate(parts):
        low = [_norm(w) for w in words]
        for i in range(len(low) - len(want) + 1):
            if low[i : i + len(want)] == want:
                return Span(line, si, ci, k, i, i + len(want), len(words), (seen + i) / total)
        seen += len(words)
    return None


def features(span: Span | str, source: str, topic: str = "") -> list[float]:
    """The feature vector of a line (a `Span` of the source, or any text: then it is located in the source)."""
    found = span if isinstance(span, Span) else locate(span, source)
    text = span.text if isinstance(span, Span) else span
    toks = text.split() or [""]
    low = [_norm(t) for t in toks]
    function = _function_words()
    content = [t for t in low if t not in function] or low
    src = [_norm(t) for t in source.split()]
    topic_stems = {_stem(w) for w in re.findall(r"\w+", topic.lower())}
    s = found or Span(text, 9, 9, 9, 0, 0, len(toks), 1.0)
    return [
        len(toks), len(text), s.sentence, s.clause_in_sentence, s.clause, s.start == 0, s.end == s.clause_words,
        s.position, sum(t[:1].isupper() for t in toks) / len(toks), toks[0][:1].isupper(), toks[-1][:1].isupper(),
        sum(t in function for t in low) / len(low), any(t in _PRONOUNS for t in low),
        float(np.mean([src.count(t) for t in content])), any(c.isdigit() for c in text), low[-1].endswith("ing"),
        low[0].endswith("ing"), low[-1].endswith("s"), low[-1].endswith(_ADJ), low[0] in _VERBS,
        float(np.mean([len(t) for t in low])), s.clause_words, (s.end - s.start) / max(1, s.clause_words),
        sum(_stem(t) in topic_stems for t in content) / len(content), len(src), " in " in text,
        "&" in text or " and " in text, found is not None,
    ]  # fmt: skip


@lru_cache(maxsize=1)
def _model() -> dict | None:
    if not ARTIFACT.is_file():
        return None
    return json.loads(ARTIFACT.read_text(encoding="utf-8"))


def score_lines(lines: Sequence[Span | str], source: str, topic: str = "") -> list[float]:
    """Predicted ROUGE-L of each line against a headline a person would write (higher is better). Without the
    trained artifact every line scores 0 and the caller's order stands."""
    model = _model()
    if not lines:
        return []
    if model is None:
        return [0.0] * len(lines)
    x = np.array([features(line, source, topic) for line in lines], dtype=float)
    # a feature constant in training (every span lies in its source) has no scale: it must not blow up here
    std = np.where(np.array(model["std"]) < 1e-6, 1.0, np.array(model["std"]))
    z = np.clip((x - np.array(model["mean"])) / std, -10, 10)
    return [float(v) for v in z @ np.array(model["coef"]) + model["intercept"]]


def rouge_l(candidate: str, reference: str) -> float:
    """ROUGE-L F1 over lowercased word tokens (longest common subsequence)."""
    a, b = re.findall(r"\w+", candidate.lower()), re.findall(r"\w+", reference.lower())
    if not a or not b:
        return 0.0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b, start=1):
            cur.append(prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1]))
        prev = cur
    lcs = prev[-1]
    if lcs == 0:
        return 0.0
    p, r = lcs / len(a), lcs / len(b)
    return 2 * p * r / (p + r)


def train(rows: Iterable[tuple[str, str, str]], alpha: float = 1.0, folds: int = 5) -> dict:
    """Fit the scorer on (description, real headline, topic) rows; reports the cross-validated ROUGE-L of the top
    pick beside the first-clause baseline. Returns the artifact (also what `main` writes)."""
    from sklearn.linear_model import Ridge

    xs, ys, groups = [], [], []
    for g, (desc, ref, topic) in enumerate(rows):
        for span in candidate_spans(desc):
            xs.append(features(span, desc, topic))
            ys.append(rouge_l(span.text, ref))
            groups.append(g)
    x, y, grp = np.array(xs, dtype=float), np.array(ys), np.array(groups)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std
    picked = 0.0
    for f in range(folds):
        fit = Ridge(alpha).fit(z[grp % folds != f], y[grp % folds != f])
        test = grp % folds == f
        pred = fit.predict(z[test])
        for g in np.unique(grp[test]):
            idx = np.where(grp[test] == g)[0]
            picked += y[test][idx[np.argmax(pred[idx])]]
    model = Ridge(alpha).fit(z, y)
    return {
        "features": FEATURES,
        "mean": mean.round(6).tolist(),
        "std": std.round(6).tolist(),
        "coef": model.coef_.round(6).tolist(),
        "intercept": round(float(model.intercept_), 6),
        "trained_on": "website_headlines_slogans_jin2021/valid.csv (description -> real headline, ROUGE-L target)",
        "rows": int(grp.max() + 1) if len(grp) else 0,
        "cv_rouge_l_of_top_pick": round(picked / max(1, int(grp.max() + 1)), 4) if len(grp) else 0.0,
    }


def main(argv: list[str] | None = None) -> None:
    import pandas as pd

    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 2 or args[0] != "train":
        raise SystemExit("usage: python -m generation.line_scorer train PATH/TO/valid.csv")
    frame = pd.read_csv(args[1])
    frame = frame[frame["desc"].notna() & frame["output"].notna()]
    rows = [(str(r.desc), str(r.output), str(r.industry)) for r in frame.itertuples()]
    artifact = train(rows)
    ARTIFACT.write_text(json.dumps(artifact, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {ARTIFACT} (cross-validated ROUGE-L of the top pick {artifact['cv_rouge_l_of_top_pick']})")


if __name__ == "__main__":
    main()
