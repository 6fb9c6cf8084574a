"""The demo shop (a small seeded one) trained as `train_all` trains it: names, categories and segments, shared by the
recommender, tool, API and route tests."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import pandas as pd

from assistant.commerce.models.training import Models
from bench.recommender_demo import demo_lines, train_demo


@functools.cache
def demo_order_lines(customers: int = 600) -> pd.DataFrame:
    with tempfile.TemporaryDirectory(prefix="mka-demo-lines-") as scratch:
        return demo_lines(Path(scratch), customers=customers)


@functools.cache
def demo_models(customers: int = 600) -> Models:
    segmenter, recommender = train_demo(demo_order_lines(customers))
    return Models(recommender, segmenter, Path(tempfile.gettempdir()))
