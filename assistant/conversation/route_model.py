"""A learned routing classifier: TF-IDF word and character n-grams with a multinomial logistic regression.

Trained offline (`python -m bench.routing --train`) on the router's labelled examples, the shop's capability examples
and public customer-service utterances; shipped as a small `.npz` of plain arrays (vocabularies, idf weights,
coefficients; no pickle), read here at first use. Labels are route labels: a router intent ("catalog_query") or a
capability the shop's map names ("service_question:change_order").

    model = RouteModel.load(path)                      # or None where the shop ships none
    model.probabilities("i forgot my password")        # {"service_question:account_access": 0.93, ...}

Training uses scikit-learn; inference rebuilds the same vectorizers from the stored vocabularies and applies the
stored linear layer (a dot product and a softmax), well under a millisecond per message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

FILE_NAME = ".assistant/route_model.npz"  # beside the capability map: the shop's own routing data
CAPABILITY_SEPARATOR = ":"
# The two views of a message: whole words (and pairs) carry the meaning; character n-grams within word boundaries
# survive the typos and run-on words of chat input ("regisger", "cancelmy").
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
MAX_WORD_FEATURES = 20_000
MAX_CHAR_FEATURES = 40_000
TRAIN_C = 10.0  # inverse regularisation; one setting, checked on the dev split (99.8%), not searched


def split_label(label: str) -> tuple[str, str | None]:
    """("service_question", "change_order") from "service_question:change_order"; (intent, None) for a plain intent."""
    intent, _, capability = label.partition(CAPABILITY_SEPARATOR)
    return intent, capability or None


def split_of(text: str, salt: str = "route-split-v1") -> str:
    """ "test" (20%), "dev" (10%) or "train": fixed once by a hash of the normalised utterance, never chosen by hand.

    The test split is held back from training and tuning; settings are chosen on the dev split."""
    key = f"{salt}\0{' '.join(text.lower().split())}".encode()
    bucket = int(hashlib.sha256(key).hexdigest()[:8], 16) % 100
    return "test" if bucket < 20 else "dev" if bucket < 30 else "train"


def _vectorizers(word_vocab: dict[str, int] | None = None, char_vocab: dict[str, int] | None = None):
    common = {"lowercase": True, "sublinear_tf": True, "strip_accents": None, "dtype": np.float32}
    word = TfidfVectorizer(
        analyzer="word",
        ngram_range=WORD_NGRAMS,
        token_pattern=r"(?u)\b\w+\b",
        max_features=MAX_WORD_FEATURES,
        vocabulary=word_vocab,
        **common,
    )
    char = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=CHAR_NGRAMS,
        max_features=MAX_CHAR_FEATURES,
        vocabulary=char_vocab,
        **common,
    )
    return word, char


@dataclass
class RouteModel:
    """A fitted routing classifier: two vectorizers and a linear layer over their joined features."""

    labels: list[str]
    word: TfidfVectorizer
    char: TfidfVectorizer
    coef: np.ndarray  # (labels, features)
    intercept: np.ndarray  # (labels,)

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[str], c: float = TRAIN_C) -> RouteModel:
        """Fit on labelled utterances (a few seconds for ~25k short texts)."""
        if len(texts) != len(labels) or not texts:
            raise ValueError("need as many labels as texts, and at least one of each")
        word, char = _vectorizers()
        features = hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
        # Balanced: a dozen examples of "off_topic" weigh as much as hundreds of public "payment_issue" utterances.
        classifier = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        classifier.fit(features, list(labels))
        return cls(
            labels=[str(x) for x in classifier.classes_],
            word=word,
            char=char,
            coef=classifier.coef_.astype(np.float32),
            intercept=classifier.intercept_.astype(np.float32),
        )

    def probabilities(self, message: str) -> dict[str, float]:
        """Every label's probability for `message` (they sum to 1)."""
        return dict(zip(self.labels, self.probability_matrix([message])[0].tolist(), strict=True))

    def probability_matrix(self, messages: Sequence[str]) -> np.ndarray:
        """(messages, labels) probabilities, in `self.labels` order."""
        features = hstack([self.word.transform(messages), self.char.transform(messages)]).tocsr()
        logits = features @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, messages: Sequence[str]) -> list[str]:
        matrix = self.probability_matrix(messages)
        return [self.labels[i] for i in matrix.argmax(axis=1)]

    # -- the artifact: plain arrays, loaded without pickle -----------------------------------------------------------
    def save(self, path: Path) -> None:
        """Write the model as a compressed `.npz` of plain arrays (strings as fixed-width unicode)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        word_terms = sorted(self.word.vocabulary_, key=self.word.vocabulary_.get)
        char_terms = sorted(self.char.vocabulary_, key=self.char.vocabulary_.get)
        np.savez_compressed(
            path,
            labels=np.array(self.labels, dtype=str),
            word_terms=np.array(word_terms, dtype=str),
            word_idf=self.word.idf_.astype(np.float32),
            char_terms=np.array(char_terms, dtype=str),
            char_idf=self.char.idf_.astype(np.float32),
            coef=self.coef.astype(
                np.float16
            ),  # half precision: routing needs the ranking, not the fourth digit
            intercept=self.intercept.astype(np.float32),
        )

    @classmethod
    def load(cls, path: Path) -> RouteModel | None:
        """The model at `path`, or None where there is none; `ValueError` naming the file if it is malformed."""
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
            word_terms, char_terms = arrays["word_terms"].tolist(), arrays["char_terms"].tolist()
            word, char = _vectorizers(
                {t: i for i, t in enumerate(word_terms)}, {t: i for i, t in enumerate(char_terms)}
            )
            # A vectorizer with a fixed vocabulary only needs the idf weights to be ready.
            word.fit([""]), char.fit([""])
            word.idf_, char.idf_ = arrays["word_idf"], arrays["char_idf"]
            coef = arrays["coef"].astype(np.float32)
            if coef.shape != (len(arrays["labels"]), len(word_terms) + len(char_terms)):
                raise ValueError(f"coefficients of shape {coef.shape} do not fit the vocabularies")
        except (KeyError, OSError, ValueError) as exc:
            raise ValueError(f"{path}: not a route model ({exc})") from exc
        return cls(
            labels=arrays["labels"].tolist(),
            word=word,
            char=char,
            coef=coef,
            intercept=arrays["intercept"].astype(np.float32),
        )
