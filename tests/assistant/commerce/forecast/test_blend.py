"""The blended product forecast: share read since the first sale, the product's own SES level, the mean of the two,
and the products of a category scaled to add up to it."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.commerce.forecast.blend import (
    blend_down,
    blend_down_total,
    coherent,
    product_split,
    ses_level,
    since_first_sale,
)
from assistant.commerce.forecast.forecasters import Forecast


def flat_parent(mean: float, sd: float = 10.0, weeks: int = 4) -> Forecast:
    z = 1.2815515655446004  # the 90% normal quantile: an 80% interval
    m = np.full(weeks, mean)
    return Forecast(m, m - z * sd, m + z * sd, 0.8, "ets")


def test_ses_level_follows_a_step_and_keeps_a_flat_series() -> None:
    assert ses_level(np.full(20, 7.0)) == pytest.approx(7.0)
    step = np.r_[np.full(20, 10.0), np.full(10, 30.0)]
    level = ses_level(step)
    assert 25.0 < level <= 30.0  # the largest weight (0.5) fits a step best: it is nearly at the new level
    assert ses_level(np.array([])) == 0.0
    assert since_first_sale(np.array([0, 0, 3, 0, 2.0])).tolist() == [3.0, 0.0, 2.0]


def test_a_new_product_s_share_is_read_from_its_weeks_on_sale() -> None:
    parent_units = np.full(30, 100.0)
    units = np.r_[np.zeros(26), np.full(4, 10.0)]  # on sale for the last 4 weeks, 10% of the category
    split = product_split(units, parent_units, share_weeks=13)
    assert split.weeks == 4 and split.share == pytest.approx(0.1) and split.level == pytest.approx(10.0)
    band = blend_down(flat_parent(100.0), split)
    assert np.allclose(band.mean, 10.0) and band.method == "blend(top-down(ets), ses)"
    assert np.all(band.lower <= band.mean) and np.all(band.mean <= band.upper)
    # a 13-week window with the 9 weeks before the launch would have read a 3% share
    assert split.share > units[-13:].sum() / parent_units[-13:].sum() * 3


def test_the_blend_is_the_mean_of_share_and_own_level_and_products_add_up_to_the_category() -> None:
    parent_units = np.full(20, 100.0)
    rising = np.r_[np.full(17, 20.0), np.full(3, 50.0)]  # its share says ~26, its own level says ~46
    steady = parent_units - rising
    splits = [product_split(u, parent_units, 13) for u in (rising, steady)]
    parent = flat_parent(100.0)
    raw = [split.blended(parent.mean) for split in splits]
    assert np.allclose(raw[0], (splits[0].share * 100.0 + splits[0].level) / 2)
    assert raw[0][0] > splits[0].share * 100.0  # pulled towards its own recent level
    scaled = coherent(parent, splits)
    bands = [blend_down(parent, s) for s in scaled]
    assert np.allclose(bands[0].mean + bands[1].mean, parent.mean)
    mean, lower, upper = blend_down_total(parent, scaled[0])
    assert mean == pytest.approx(bands[0].mean.sum()) and lower < mean < upper
