"""The shipped review sentiment model's parts: the written seed reviews load whole (every star in every language, the
neutral middle well covered, translations in one CV group), the lexicon features see one bad sentence in a long review,
the neutral offset chosen by cross-validation moves toward neutral when neutral is under-predicted, and the model,
built on the real encoder, reads reviews written here (not in its seeds) the way their stars say."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from assistant.reviews import review_model
from assistant.reviews.review_model import (
    SEED_REVIEW_FILES,
    _decide,
    lexicon_features,
    load_seed_reviews,
    neutral_offset,
)
from assistant.reviews.sentiment import load_lexicon, sentiment_model


def test_the_seed_reviews_cover_every_star_language_and_the_neutral_middle() -> None:
    seeds = load_seed_reviews()
    written = [s for s in seeds if not s.group.startswith("clause:")]
    assert {p.stem.split("_")[0] for p in SEED_REVIEW_FILES} == {"en", "de", "fr", "es"}
    by_language = Counter((s.language, s.polarity) for s in written)
    for language, least in (("en", 60), ("de", 60), ("fr", 10), ("es", 10)):
        assert min(by_language[language, p] for p in ("negative", "neutral", "positive")) >= least
    assert len(written) >= 600
    # a review and its translation share a group: no (language, group) pair twice
    assert len({(s.language, s.group) for s in seeds}) == len(seeds)
    assert len({s.text for s in written}) == len(written)  # no review written twice


def test_lexicon_features_keep_one_bad_sentence_of_a_long_review() -> None:
    lexicon = load_lexicon()
    text = "Lovely colour and a great fit. Comfortable all day. Sadly the zip broke after a week."
    whole, positive, negative, lowest, highest, last = lexicon_features(lexicon, text, "en")
    assert positive > 0.5 and negative > 0.5
    assert lowest < 0 < highest and last == lowest
    assert lexicon_features(lexicon, "Die Jacke ist nicht gut.", "de")[0] < 0  # negation carried
    assert lexicon_features(lexicon, "", "fr") == [0.0] * 6  # no lexicon for French: no cue, no error


def test_the_neutral_offset_undoes_a_classifier_that_under_or_over_weights_neutral(monkeypatch) -> None:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 60)
    # neutral sits between the other two on one axis and overlaps both; three noise axes
    features = rng.normal(size=(180, 1)) * 0.9 + np.array([-2.0, 0.0, 2.0])[labels][:, None]
    features = np.hstack([features, rng.normal(size=(180, 3))])
    groups, everyone = [f"g{i // 2}" for i in range(180)], np.ones(180, dtype=bool)

    def weighted(neutral: float):
        return lambda: LogisticRegression(max_iter=1000, class_weight={0: 1.0, 1: neutral, 2: 1.0})

    monkeypatch.setattr(review_model, "_classifier", weighted(0.2))  # neutral under-predicted: offset up
    assert neutral_offset(features, labels, groups, everyone) > 0.5
    monkeypatch.setattr(review_model, "_classifier", weighted(5.0))  # neutral over-predicted: offset down
    assert neutral_offset(features, labels, groups, everyone) < -0.3
    log_proba = np.log(np.array([[0.45, 0.40, 0.15], [0.15, 0.40, 0.45]]))
    assert _decide(log_proba, 0.0).tolist() == [0, 2] and _decide(log_proba, 0.3).tolist() == [1, 1]


HELD_OUT = [  # written for this test, not in the seeds
    ("The blender died after nine days and the shop ignores my emails.", "en", "negative"),
    ("Der Toaster bräunt ungleichmäßig und das Gehäuse wird gefährlich heiß. Geht zurück.", "de", "negative"),
    ("Lovely soft towels, they dry quickly and still look new after many washes.", "en", "positive"),
    ("Die Trinkflasche hält den Tee stundenlang warm und ist absolut dicht. Super!", "de", "positive"),
    ("It's an okay desk lamp. Bright enough, but the arm droops a little over time.", "en", "neutral"),
    ("Ganz nett, aber für den Preis hätte ich etwas mehr Verarbeitung erwartet.", "de", "neutral"),
]


@pytest.mark.slow
@pytest.mark.xdist_group("review-encoder")  # the model is built once per process: one worker
def test_the_shipped_model_reads_reviews_it_was_not_fitted_on() -> None:
    model = sentiment_model("seeds")  # the real encoder; built once per process (test_sentiment.py shares it)
    texts, languages, expected = zip(*HELD_OUT, strict=True)
    scored = model.score(list(texts), list(languages))
    got = [s.polarity for s in scored]
    assert sum(g == e for g, e in zip(got, expected, strict=True)) >= 5, got
    # never a polarity flip: a negative review is never read positive and the other way round
    assert not any({g, e} == {"negative", "positive"} for g, e in zip(got, expected, strict=True))
    assert all(-1.0 <= s.score <= 1.0 for s in scored)
