"""Segment recommendations on the demo shop (`python -m bench.segment_recs`, writes bench/results/segment_recs.json).

The demo shop as `bench.recommender_demo` builds it (seed 7, 2,500 customers, trained as `train_all` trains it).
Measured, each beside a baseline from the same run:
- variety across segments: for every pair of segments, the share of one's top 10 the other's top 10 does not hold,
  averaged over pairs (0: every segment gets the same list; 1: no product in common); and distinct products over all
  slots. Baselines: the shop's popularity top 10 for every segment (what a segment nobody profiled would get), and
  the segment tables' own ranking before owned durables are counted out (`SegmentTables.top`);
- owned durables: the mean share of a segment that already owns a durable in its top 10, before and after;
- time per request: the application API's `segment_view` (the marketer role checked, the tool, the catalog facts,
  the purchase mix) and its HTTP route, median over repeated requests; beside it `recommend_products` through the
  same API (for nobody in particular: the bench's database holds no customers).
"""

from __future__ import annotations

import itertools
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.recommender_demo import demo_lines, train_demo

OUT = Path(__file__).parent / "results" / "segment_recs.json"
TOP = 10
REPEATS = 30


def variety(tops: dict[str, list[str]]) -> dict:
    """Mean share of a segment's list that another segment's list lacks, over pairs; distinct products per slot."""
    pairs = list(itertools.combinations(tops.values(), 2))
    differ = [1 - len(set(a) & set(b)) / max(len(a), 1) for a, b in pairs]
    slots = sum(len(v) for v in tops.values())
    return {
        "pairwise_variety": round(float(np.mean(differ)), 4) if differ else 0.0,
        "distinct_share": round(len({i for v in tops.values() for i in v}) / max(slots, 1), 4),
    }


def owned_share(model, tops: dict[str, list[str]]) -> float:
    """Mean share of the segment already owning a durable in its list (consumables may be bought again)."""
    from assistant.commerce.models.segment_picks import segment_owners

    shares = []
    for name, items in tops.items():
        size = int(model.segment.sizes[model.segment_names.index(name)])
        owners = segment_owners(model, name)
        for item in items:
            row = model._item_row[item]
            if not model.consumable[row]:
                shares.append(owners[row] / max(size, 1))
    return round(float(np.mean(shares)), 4) if shares else 0.0


def _median_ms(fn, repeats: int = REPEATS) -> float:
    fn()  # warm: the first call loads and caches
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


def timings(segmenter, recommender, names: list[str], scratch: Path) -> dict:
    """Per-request times through the application API and the HTTP route (a marketer's key)."""
    from fastapi.testclient import TestClient

    from assistant import Assistant, Caller
    from assistant.commerce.catalog import Catalog
    from assistant.commerce.models.training import Models
    from assistant.http import create_app
    from assistant.services import Services
    from assistant.settings import Settings
    from assistant.storage.store import ConversationStore

    settings = Settings(data_dir=scratch / "var", marketer_api_keys=["bench-key"], _env_file=None)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    services = Services(
        {},
        catalog=Catalog.from_csv(settings.demo_dir / "catalog.csv"),
        llm=None,
        models=Models(recommender, segmenter, scratch),
    )
    api = Assistant(settings, ConversationStore.from_url(settings.db_url), services=services)
    marketer = Caller(role="marketer", user="bench")
    cycle = itertools.cycle(names)
    out = {
        "api_segment_view_ms": _median_ms(lambda: api.segment_view(marketer, next(cycle), TOP)),
        # the bench's database holds no customers, so the per-customer tool answers for nobody in particular
        "baseline_api_recommend_products_popular_ms": _median_ms(
            lambda: api.call_tool(marketer, "recommend_products", {"k": TOP})
        ),
    }
    # (the app's warm-up of the chat's router logs a missing embedder here: the segment route needs none)
    with TestClient(create_app(settings, api)) as client:
        headers = {"Authorization": "Bearer bench-key"}

        def get() -> None:
            answer = client.get(
                f"/v1/segments/{next(cycle)}/recommendations", params={"k": TOP}, headers=headers
            )
            assert answer.status_code == 200, answer.text

        out["http_segment_recommendations_ms"] = _median_ms(get)
    return out


def run() -> dict:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-segrecs-") as scratch:
        lines = demo_lines(Path(scratch))
        segmenter, model = train_demo(lines)
        names = list(model.segment_names)
        after = {n: [r.item_id for r in model.for_segment(n, TOP)] for n in names}
        tables = {
            n: [model.items[i] for i in model.segment.top[row][:TOP] if i >= 0] for row, n in enumerate(names)
        }
        popular = {n: [model.items[i] for i in model.popular[:TOP]] for n in names}
        result = {
            "shop": "demo (seed 7, 2500 customers)",
            "segments": len(names),
            "top": TOP,
            "variety": {
                "segment_picks": variety(after),
                "baseline_tables_before_owners": variety(tables),
                "baseline_popularity": variety(popular),
            },
            "owned_durable_share_in_top10": {
                "segment_picks": owned_share(model, after),
                "baseline_tables_before_owners": owned_share(model, tables),
            },
            "timing": timings(segmenter, model, names, Path(scratch)),
            "top10_names": {
                n: [model.name_of(model._item_row[i]) for i in items] for n, items in after.items()
            },
        }
    result["seconds"] = round(time.perf_counter() - started, 1)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
