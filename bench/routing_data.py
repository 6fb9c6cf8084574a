"""The routing benchmark's data: the public Bitext customer-service utterances, mapped to what the shop does with each.

The utterances are read from `../shared/data/bitext_customer_service/` (CDLA-Sharing 1.0; never copied into the
project). `bench/data/bitext_routes.yaml` maps each of their 27 intents to a route label: a router intent, or a
capability of the shop's map ("service_question:change_order"). Each utterance's split (train / dev / test) is fixed by
a hash of its text (`route_model.split_of`).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel

from assistant.conversation.capabilities import CapabilityMap
from assistant.conversation.route_model import CAPABILITY_SEPARATOR, split_of
from assistant.conversation.router import INTENTS, load_examples

ROOT = Path(__file__).resolve().parents[1]
BITEXT_DIR = ROOT.parent / "shared" / "data" / "bitext_customer_service"
ROUTES = Path(__file__).with_name("data") / "bitext_routes.yaml"
CAPABILITIES = ROOT / "data" / "demo" / ".assistant" / "capabilities.yaml"
TRAIN_PER_INTENT = 400  # public utterances per intent used for training: enough for the n-grams, fast to fit


class IntentRoute(BaseModel):
    route: str
    capability: str | None = None
    pages: list[str] = []

    @property
    def label(self) -> str:
        return f"{self.route}{CAPABILITY_SEPARATOR}{self.capability}" if self.capability else self.route


@dataclass(frozen=True)
class Utterance:
    text: str
    intent: str  # the Bitext intent
    label: str  # the route label it maps to
    split: str  # train | dev | test


def load_routes(path: Path = ROUTES, capabilities: Path = CAPABILITIES) -> dict[str, IntentRoute]:
    """The intent -> route map; `ValueError` where a route or capability does not exist."""
    raw = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents") or {}
    routes = {name: IntentRoute.model_validate(spec) for name, spec in raw.items()}
    known = {c.id for c in CapabilityMap.load(capabilities).capabilities}
    for name, route in routes.items():
        if route.route not in INTENTS:
            raise ValueError(f"{path}: {name}: unknown route {route.route!r}")
        if route.capability and route.capability not in known:
            raise ValueError(f"{path}: {name}: capability {route.capability!r} is not in {capabilities}")
    return routes


def load_bitext(
    directory: Path = BITEXT_DIR, routes: dict[str, IntentRoute] | None = None
) -> list[Utterance]:
    """Every distinct utterance of both files with its route label and split (an utterance the two files label
    differently is dropped)."""
    routes = routes or load_routes()
    files = sorted(directory.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"no Bitext CSV files in {directory} (see its SOURCE.md)")
    seen: dict[str, Utterance | None] = {}
    for path in files:
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                text, intent = (row.get("utterance") or "").strip(), (row.get("intent") or "").strip()
                if not text or intent not in routes:
                    if intent and intent not in routes:
                        raise ValueError(f"{path.name}: intent {intent!r} is not mapped in {ROUTES.name}")
                    continue
                key = " ".join(text.lower().split())
                item = Utterance(text, intent, routes[intent].label, split_of(text))
                if key in seen and seen[key] is not None and seen[key].label != item.label:
                    seen[key] = None
                elif key not in seen:
                    seen[key] = item
    return [u for u in seen.values() if u is not None]


def training_set(bitext: list[Utterance], capabilities: Path = CAPABILITIES) -> tuple[list[str], list[str]]:
    """The router's examples (their intent), the capability map's examples (their capability) and up to
    `TRAIN_PER_INTENT` public training utterances per intent (in hash order, so the choice is fixed)."""
    texts, labels = [], []
    for intent, examples in load_examples().items():
        texts += examples
        labels += [intent] * len(examples)
    for cap in CapabilityMap.load(capabilities).capabilities:
        texts += cap.examples
        labels += [f"service_question{CAPABILITY_SEPARATOR}{cap.id}"] * len(cap.examples)
    by_intent: dict[str, list[Utterance]] = defaultdict(list)
    for u in bitext:
        if u.split == "train":
            by_intent[u.intent].append(u)
    for items in by_intent.values():
        for u in sorted(items, key=lambda u: hash_order(u.text))[:TRAIN_PER_INTENT]:
            texts.append(u.text)
            labels.append(u.label)
    return texts, labels


def hash_order(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def stratified_sample(items: list[Utterance], total: int) -> list[Utterance]:
    """About `total` items, the same number per Bitext intent, chosen by hash order."""
    by_intent: dict[str, list[Utterance]] = defaultdict(list)
    for u in items:
        by_intent[u.intent].append(u)
    per = max(1, total // max(1, len(by_intent)))
    out = []
    for intent in sorted(by_intent):
        out += sorted(by_intent[intent], key=lambda u: hash_order(u.text))[:per]
    return out
