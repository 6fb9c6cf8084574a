"""Train every model from the database (`train_all`) and load the trained artifacts once per process (`load_models`).

Artifacts live under `settings.artifacts_dir`, published as a set (`assistant.commerce.models.artifacts`): each training
run writes recommender/ (npz + json), segments/ (npz + json) and segments.png into a new version folder, then switches
the `CURRENT` pointer to it. `load_models` follows the pointer on every call (one small file read) and reloads when it
moved, so every server sharing the folder serves the new set from its next request on, never half of one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from rich.console import Console

from assistant.commerce.models.artifacts import new_version_dir, publish, published_dir
from assistant.commerce.models.content import make_encoder
from assistant.commerce.models.recommender import RepeatAwareRecommender
from assistant.commerce.models.segments import RFMSegmenter, rfm_table
from assistant.errors import NotTrained


@dataclass
class TrainReport:
    """What `train_all` did."""

    customers: int = 0
    items: int = 0
    order_lines: int = 0
    segments: list[str] = field(default_factory=list)
    silhouette: float = 0.0
    blend: str = ""
    seconds: float = 0.0
    artifacts_dir: str = ""

    def summary(self) -> str:
        return (
            f"{self.order_lines} order lines, {self.customers} customers, {self.items} items; "
            f"{len(self.segments)} segments ({', '.join(self.segments)}; silhouette {self.silhouette:.2f}); "
            f"{self.blend} blend; {self.seconds:.1f} s"
        )


@dataclass
class Models:
    """The trained models of one artifacts folder."""

    recommender: RepeatAwareRecommender
    segmenter: RFMSegmenter
    artifacts_dir: Path  # the version folder they were loaded from
    version: str = ""


def train_all(settings, progress: bool = True, content: str = "auto") -> TrainReport:
    """Train the segmenter and the recommender from the orders in `settings.db_url`; write artifacts.

    `content`: how product texts are encoded for cold-start similarity (`auto`, `embedder`, `tfidf`).
    Raises `NotTrained` when the database holds no orders yet.
    """
    from assistant.commerce.imports import load_order_lines, load_products
    from assistant.storage.db import get_engine

    console = Console(stderr=True, quiet=not progress)
    started = time.perf_counter()
    engine = get_engine(settings.db_url)
    with console.status("reading orders") if progress else _Null():
        lines = load_order_lines(engine)
        products = load_products(engine)
    if lines.empty:
        raise NotTrained("no orders in the database: import some with `mka data import orders FILE`")
    console.print(f"read {len(lines)} order lines, {len(products)} products")
    as_of = lines["ordered_at"].max().normalize() + pd.Timedelta(days=1)

    segmenter = RFMSegmenter().fit(lines, as_of=as_of)
    console.print(f"segments: {', '.join(segmenter.names)} (silhouette {segmenter.meta['silhouette']})")

    texts = {
        str(row.sku): " ".join(
            str(v) for v in (row.name, row.category, row.subcategory, row.description) if v
        )
        for row in products.itertuples()
    }
    recommender = RepeatAwareRecommender(
        encoder=make_encoder(content, settings.retrieval), progress=console.print
    ).fit(
        lines,
        item_texts=texts,
        segments=segmenter.segment_map(),
        as_of=as_of,
        item_names=product_names(products),
        item_categories=product_categories(products),
    )
    segmenter.set_top_products(
        {name: [r.item_id for r in recommender.for_segment(name, 5)] for name in recommender.segment_names}
    )

    root = Path(settings.artifacts_dir)
    out = new_version_dir(root)
    recommender.save(out / "recommender")
    segmenter.save(out / "segments")
    segmenter.plot(out / "segments.png", rfm_table(lines, as_of))
    publish(root, out)  # the one switch: from here on every reader loads this set
    report = TrainReport(
        customers=int(lines["customer_id"].nunique()),
        items=len(recommender.items),
        order_lines=len(lines),
        segments=list(segmenter.names),
        silhouette=float(segmenter.meta["silhouette"]),
        blend=recommender.meta["blend"],
        seconds=round(time.perf_counter() - started, 1),
        artifacts_dir=str(out),
    )
    console.print(f"trained: {report.summary()}")
    return report


def product_names(products: pd.DataFrame) -> dict[str, str]:
    """sku -> name, for the products that have one (reasons call products by these)."""
    return {
        str(row.sku): str(row.name) for row in products.itertuples() if isinstance(row.name, str) and row.name
    }


def product_categories(products: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """sku -> (subcategory, category), the most specific first, as the durable/consumable rule reads them."""
    out = {}
    for row in products.itertuples():
        names = tuple(
            str(v) for v in (getattr(row, "subcategory", None), row.category) if isinstance(v, str) and v
        )
        out[str(row.sku)] = names
    return out


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_cache: dict[str, Models] = {}
_lock = threading.Lock()


def load_models(settings) -> Models:
    """The published models under `settings.artifacts_dir`, loaded once per version (the pointer is read on every
    call, so a new set is picked up at once). Raises `NotTrained` when there are none."""
    root = Path(settings.artifacts_dir)
    for attempt in range(3):
        out = published_dir(root)
        stamps = [out / "recommender" / "recommender.json", out / "segments" / "segments.json"]
        if not all(path.is_file() for path in stamps):
            raise NotTrained(f"no trained models in {root}: run `mka model train`")
        try:
            return _load_set(root, out, stamps)
        except (NotTrained, FileNotFoundError):
            # the set was pruned while we read it (several newer ones were published meanwhile): follow the pointer
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _load_set(root: Path, out: Path, stamps: list[Path]) -> Models:
    # unversioned folders are rewritten in place: their files' times tell a retrained set apart
    key = f"{out}|{max(path.stat().st_mtime_ns for path in stamps)}"
    with _lock:
        hit = _cache.get(str(root))
        if hit is not None and hit.version == key:
            return hit
        models = Models(
            RepeatAwareRecommender.load(out / "recommender"), RFMSegmenter.load(out / "segments"), out, key
        )
        _cache[str(root)] = models
        return models


class PublishedModels:
    """The published set, looked up on every use (what the services registry holds as "models").

    Call it for one consistent `Models` (both models of the same set: `tools.recommend.models_of` does); reading
    `.recommender` or `.segmenter` gets that model of the set published now. `NotTrained` when there is none.
    """

    def __init__(self, settings):
        self.settings = settings

    def __call__(self) -> Models:
        return load_models(self.settings)

    @property
    def recommender(self) -> RepeatAwareRecommender:
        return self().recommender

    @property
    def segmenter(self) -> RFMSegmenter:
        return self().segmenter


def trained(settings) -> bool:
    """Whether a complete set of models is published under `settings.artifacts_dir`."""
    out = published_dir(Path(settings.artifacts_dir))
    return (out / "recommender" / "recommender.json").is_file() and (
        out / "segments" / "segments.json"
    ).is_file()
