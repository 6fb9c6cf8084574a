"""The intent router used with models that cannot call tools (the tiny default model).

Three parts: (1) embedding similarity of the message to labelled example utterances (`router_examples.yaml`): each
intent scores the mean of its top-3 cosine similarities; it carries messages in any language the embedder knows;
(2) where the shop ships one, a learned classifier (`route_model.RouteModel`: TF-IDF n-grams and a logistic
regression trained on these examples, the shop's capability examples and public customer-service utterances) adds its
probability of each intent, and names the capability of the shop's map the message asks for; (3) slot rules (regular
expressions and known names): SKUs from the catalog, customer ids like ``C00042``, channel names, segment names,
counts ("3 ads"), price limits, contact details. A few keyword rules nudge the scores where the embedding alone is
weak (short words such as "human" or "ads").

The router only proposes; the agent plans tool calls from the route and the policy decides what may run.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

from assistant.conversation.route_model import RouteModel, split_label

EXAMPLES_PATH = Path(__file__).with_name("router_examples.yaml")
INTENTS = (
    "service_question",
    "product_discovery",
    "catalog_query",
    "ad_copy",
    "segment_analysis",
    "small_talk",
    "handoff",
    "off_topic",
)
TOP_N = 3  # examples averaged per intent: robust to one odd example, still sharp
# The classifier's weight beside the cosines (0.3-0.8): a sure classifier (p near 1) outweighs the usual gap between
# two intents' cosines; an unsure one (a message in a language it was not trained on) barely moves them.
MODEL_WEIGHT = 0.3
CAPABILITY_PROBABILITY = 0.8  # the classifier names a capability only when this sure of it
OFF_TOPIC_PROBABILITY = 0.8  # this sure of "off topic", no catalog shortcut is tried ("a poem about my cat")

# Channels of the ad-copy drafter, with the words people use for them. The first alias wins on ties.
CHANNEL_ALIASES: dict[str, tuple[str, ...]] = {
    "google-rsa": ("google", "search ad", "rsa", "responsive search", "adwords", "sea"),
    "meta": ("facebook", "instagram", "meta", "social", "fb", "insta"),
    "email": ("email", "e-mail", "newsletter", "subject line", "mail"),
    "sms": ("sms", "text message"),
    "x": ("twitter", "tweet", "tweets", "x post", "x posts", "on x"),
}
# RFM segment names of the segmenter (assistant/commerce/models/segments.py); the agent passes the segmenter's own list.
DEFAULT_SEGMENTS = (
    "Champions",
    "Loyal",
    "Potential loyalists",
    "New",
    "Need attention",
    "At risk",
    "Can't lose them",
    "About to sleep",
    "Hibernating",
)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
    "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5,
}  # fmt: skip
_COUNT = re.compile(
    r"\b(\d{1,2}|" + "|".join(_NUMBER_WORDS) + r")\s+(?:\w+\s+){0,3}?"
    r"(ads?|adverts?|variants?|versions?|headlines?|drafts?|options?|subject lines?|emails?|posts?|captions?|"
    r"slogans?|taglines?|products?|items?|ideas?|suggestions?|recommendations?|anzeigen|annonces|anuncios)\b",
    re.IGNORECASE,
)
_CUSTOMER_ID = re.compile(r"\b[Cc]\d{3,8}\b")
# "customer CUST-7731", "Kunde #88812": an id after the word, in whatever shape the shop writes ids (it has a digit)
_NAMED_CUSTOMER = re.compile(
    r"\b(?:customer|kunden?|kundin|client)(?:\s+(?:id|no\.?|number|nr\.?))?\s*[:#]?\s*((?=[\w-]*\d)[A-Za-z]*[-_]?\d[\w-]*)",
    re.I,
)
_GENERIC_SKU = re.compile(r"\b[A-Z]{2,6}-?\d{2,6}(?:-[A-Z0-9]{1,6})*\b")
_MAX_PRICE = re.compile(
    r"(?:under|below|less than|cheaper than|up to|at most|max(?:imum)?|unter|bis|moins de|jusqu'à|menos de|hasta)\s*"
    r"(?:€|\$|£|eur|usd|gbp)?\s*(\d+(?:[.,]\d{1,2})?)",
    re.IGNORECASE,
)
# Starts only where a run of address characters starts: from inside the run it would rescan it (quadratic).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d ()/-]{6,}\d")
# Keyword nudges: (intent, pattern, bonus). Small bonuses; the embedding still decides between close calls.
_NUDGES: list[tuple[str, re.Pattern[str], float]] = [
    (
        "handoff",
        re.compile(
            r"\b(human|real person|a person|someone|agent|representative|manager|staff|call me|contact me|"
            r"customer service|mitarbeiter|mensch|conseiller|humain|persona|agente)\b",
            re.I,
        ),
        0.12,
    ),
    (
        "ad_copy",
        re.compile(
            r"\b(ads?|advert\w*|headlines?|slogans?|taglines?|copy|subject lines?|captions?|posts?|anzeigen?|"
            r"annonces?|anuncios?|draft|rsa)\b",
            re.I,
        ),
        0.12,
    ),
    (
        "segment_analysis",
        re.compile(r"\b(segments?|cohorts?|rfm|churn\w*|kundensegment\w*|segmento?s?)\b", re.I),
        0.12,
    ),
    ("segment_analysis", _CUSTOMER_ID, 0.10),
    (
        "service_question",
        re.compile(
            r"\b(return\w*|refund\w*|shipping|delivery|warrant\w*|exchange|parcel|receipt|versand|livraison)\b",
            re.I,
        ),
        0.06,
    ),
    (
        "product_discovery",
        re.compile(r"\b(do you (sell|stock|carry)|how much (is|are|does)|price of)\b", re.I),
        0.08,
    ),
    (
        "product_discovery",
        re.compile(r"\b(recommend\w*|suggest\w*|looking for|in stock|similar|sizes?)\b", re.I),
        0.05,
    ),
]


def _sure_capability(probabilities: dict[str, float]) -> str | None:
    """The capability of the most probable label, where that label is one and the classifier is sure of it."""
    if not probabilities:
        return None
    label, p = max(probabilities.items(), key=lambda kv: kv[1])
    capability = split_label(label)[1]
    return capability if capability and p >= CAPABILITY_PROBABILITY else None


def customer_id_in(message: str) -> str | None:
    """The customer id a message names ("C00042", "customer CUST-7731"), upper-cased; None for none."""
    cid = _CUSTOMER_ID.search(message)
    if cid:
        return cid.group(0).upper()
    named = _NAMED_CUSTOMER.search(message)
    return named.group(1).upper() if named else None


def names_marketer_task(message: str) -> bool:
    """Whether `message` uses the words of a marketing task (ads, copy, segments, a customer id)."""
    return any(
        pattern.search(message) for intent, pattern, _ in _NUDGES if intent in ("ad_copy", "segment_analysis")
    )


# A scorer reads a message and returns score bonuses by intent (the catalog-query parser is one: it knows the shop's
# product names and kinds, which the embedding does not). A shortcut may name the intent outright, before any
# embedding: a message that reads unmistakably as one task need not wait for the model.
Scorer = Callable[[str], dict[str, float]]
Shortcut = Callable[[str], str | None]


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised vectors (`retrieval.embedding.get_embedder` returns one)."""

    def embed(self, texts: list[str]) -> np.ndarray: ...


@dataclass
class Route:
    """Where a message goes: its intent, how sure the router is, the slots it found and every intent's score."""

    intent: str
    confidence: float
    slots: dict[str, Any] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)


def _norm(text: str) -> str:
    """Lower case, accents kept, punctuation and dashes to spaces: "At-risk" and "at risk" compare equal."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def load_examples(path: Path = EXAMPLES_PATH) -> dict[str, list[str]]:
    """The labelled examples, by intent; `ValueError` naming the problem if the file is malformed."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    intents = data.get("intents")
    if not isinstance(intents, dict) or not intents:
        raise ValueError(f"{path}: expected a mapping 'intents: {{name: {{examples: [...]}}}}'")
    out: dict[str, list[str]] = {}
    for name, spec in intents.items():
        examples = (spec or {}).get("examples") or []
        if not examples or not all(isinstance(e, str) and e.strip() for e in examples):
            raise ValueError(f"{path}: intent {name!r} needs a list of non-empty example strings")
        out[str(name)] = [e.strip() for e in examples]
    return out


class Router:
    """Embedding-similarity intent router with slot rules. Cheap to construct; examples are embedded on first use."""

    def __init__(
        self,
        embedder: Embedder,
        examples: dict[str, list[str]] | None = None,
        *,
        skus: Iterable[str] = (),
        segments: Iterable[str] = DEFAULT_SEGMENTS,
        scorers: Iterable[Scorer] = (),
        shortcuts: Iterable[Shortcut] = (),
        model: RouteModel | None = None,
    ):
        self.embedder = embedder
        self.model = model
        self.scorers = list(scorers)
        self.shortcuts = list(shortcuts)
        self.examples = examples if examples is not None else load_examples()
        self._labels: list[str] = []
        self._matrix: np.ndarray | None = None
        self._lock = threading.Lock()
        self.set_vocabulary(skus=skus, segments=segments)

    def set_vocabulary(
        self, *, skus: Iterable[str] | None = None, segments: Iterable[str] | None = None
    ) -> None:
        """Tell the router the shop's SKUs and segment names (from the catalog and the segmenter)."""
        if skus is not None:
            self._skus = {s.upper(): s for s in skus}
        if segments is not None:
            # Longest names first, so that "Potential loyalists" wins over "Loyal".
            self._segments = sorted({_norm(s): s for s in segments}.items(), key=lambda kv: -len(kv[0]))

    def _example_matrix(self) -> tuple[list[str], np.ndarray]:
        with self._lock:
            if self._matrix is None:
                labels, texts = [], []
                for intent, examples in self.examples.items():
                    labels += [intent] * len(examples)
                    texts += examples
                self._matrix = np.asarray(self.embedder.embed(texts), dtype=np.float32)
                self._labels = labels
            return self._labels, self._matrix

    def label_probabilities(self, message: str) -> dict[str, float]:
        """The classifier's probability of each route label (empty without a model)."""
        return self.model.probabilities(message) if self.model is not None else {}

    def capability(self, message: str) -> str | None:
        """The id of the shop's capability the classifier is sure `message` asks for, if any."""
        return _sure_capability(self.label_probabilities(message))

    def scores(self, message: str, probabilities: dict[str, float] | None = None) -> dict[str, float]:
        """Every intent's score for `message`: mean of its top-3 example similarities, plus the classifier's
        probability of the intent (weighted), plus keyword nudges."""
        labels, matrix = self._example_matrix()
        query = np.asarray(self.embedder.embed([message]), dtype=np.float32)[0]
        sims = matrix @ query
        label_arr = np.asarray(labels)
        out: dict[str, float] = {}
        for intent in self.examples:
            top = np.sort(sims[label_arr == intent])[::-1][:TOP_N]
            out[intent] = float(top.mean())
        probabilities = self.label_probabilities(message) if probabilities is None else probabilities
        for label, p in probabilities.items():
            intent = split_label(label)[0]
            if intent in out:
                out[intent] += MODEL_WEIGHT * p
        for intent, pattern, bonus in _NUDGES:
            if intent in out and pattern.search(message):
                out[intent] += bonus
        if "product_discovery" in out and self._find_skus(message):
            out["product_discovery"] += 0.12  # a SKU names a product
        for scorer in self.scorers:
            for intent, bonus in scorer(message).items():
                if intent in out:
                    out[intent] += bonus
        return out

    def route(self, message: str, history: list[dict[str, Any]] | None = None) -> Route:
        """Route one message. A short follow-up that matches nothing well keeps the previous turn's intent.

        The slots carry ``capability`` where the classifier is sure the message asks for one of the shop's."""
        probabilities = self.label_probabilities(message)
        if probabilities.get("off_topic", 0.0) < OFF_TOPIC_PROBABILITY:
            for shortcut in self.shortcuts:
                intent = shortcut(message)
                if intent in self.examples:
                    return Route(
                        intent=intent, confidence=1.0, slots=self.slots(message), scores={intent: 1.0}
                    )
        scores = self.scores(message, probabilities)
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        intent, best = ranked[0]
        margin = best - ranked[1][1] if len(ranked) > 1 else best
        slots = self.slots(message)
        capability = _sure_capability(probabilities)
        if capability and intent == "service_question":
            slots["capability"] = capability
        previous = next((t.get("intent") for t in reversed(history or []) if t.get("intent")), None)
        # "and in blue?" or "make it 2 variants": weak, short, and the last turn was a task -> continue that task.
        if (
            previous in ("product_discovery", "ad_copy", "segment_analysis")
            and best < 0.45
            and len(message.split()) <= 6
            and intent not in ("handoff", "small_talk")
        ):
            intent = previous
            slots["follow_up"] = True
        return Route(
            intent=intent,
            confidence=round(max(0.0, min(1.0, margin * 4 + best / 2)), 3),
            slots=slots,
            scores=scores,
        )

    def slots(self, message: str) -> dict[str, Any]:
        """Slots found by rules: skus, customer_id, channel, segment, count, max_price, contact."""
        slots: dict[str, Any] = {}
        skus = self._find_skus(message)
        if skus:
            slots["skus"] = skus
        cid = customer_id_in(message)
        if cid:
            slots["customer_id"] = cid
        normed = f" {_norm(message)} "
        channel = self._find_channel(normed)
        if channel:
            slots["channel"] = channel
        for key, original in self._segments:
            if f" {key} " in normed:
                slots["segment"] = original
                break
        count = _COUNT.search(message)
        if count:
            raw = count.group(1).lower()
            slots["count"] = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        price = _MAX_PRICE.search(message)
        if price:
            slots["max_price"] = float(price.group(1).replace(",", "."))
        email = _EMAIL.search(message)
        phone = _PHONE.search(message)
        if email or phone:
            slots["contact"] = (email or phone).group(0).strip()
        return slots

    def _find_skus(self, message: str) -> list[str]:
        found: list[str] = []
        if self._skus:
            for token in re.findall(r"[A-Za-z0-9][A-Za-z0-9_-]*[A-Za-z0-9]", message):
                sku = self._skus.get(token.upper())
                if sku and sku not in found:
                    found.append(sku)
            return found
        # No catalog known: accept things that look like SKUs (letters, optional dash, digits).
        for match in _GENERIC_SKU.findall(message):
            if match not in found and not _CUSTOMER_ID.fullmatch(match):
                found.append(match)
        return found

    @staticmethod
    def _find_channel(normed: str) -> str | None:
        best: tuple[int, str] | None = None
        for channel, aliases in CHANNEL_ALIASES.items():
            for alias in aliases:
                pos = normed.find(f" {_norm(alias)} ")
                if pos >= 0 and (best is None or pos < best[0]):
                    best = (pos, channel)
        return best[1] if best else None
