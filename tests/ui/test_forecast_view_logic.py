"""The workspace's Demand tab without a browser: every answer at once (what will sell, rising categories, stock
risks), the plot of the history with the forecast band, and the tab's progress line while the first fit runs."""

from __future__ import annotations

import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from assistant import AssistantError
from assistant.settings import Settings
from tests.assistant.commerce.forecast.demo_store import demo_store
from tests.assistant.fakes import FakeKB, demo_hits
from tests.assistant.workspace.conftest import MARKETER, workspace_assistant
from ui.workspace_forecast import (
    demand_overview,
    forecast_figure,
    forecast_table,
    series_of,
    stock_table,
    trend_table,
)

# the demo shop's store is built once per process (demo_store): one xdist worker builds it for all of these
pytestmark = pytest.mark.xdist_group("demand-shop")


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    _, url = demo_store()
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("var"),
        database_url=url,
        forecast={"model": "seasonal_naive"},
        _env_file=None,
    )
    return workspace_assistant(settings, kb=FakeKB(demo_hits()))


def test_the_tab_shows_tables_and_a_band(api) -> None:
    out = demand_overview(api, MARKETER, "product", 4)
    headers, rows = forecast_table(out["top"])
    assert headers[0] == "Product" and "80% interval" in headers[1] and len(rows) == 15
    assert "(" in rows[0][0] and "–" in rows[0][1]  # the SKU beside the name; the interval beside the mean
    assert (
        trend_table(out["rising"])[0][:2] == ["Category", "Trend"]
        and len(trend_table(out["rising"])[1]) == 13
    )
    assert stock_table(out["stock"])[1]
    figure = forecast_figure(out["series"])
    assert isinstance(figure, Figure)
    (ax,) = figure.axes
    assert any(isinstance(c, PolyCollection) for c in ax.collections)  # the interval band
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sold", "forecast", "80% interval"]
    with pytest.raises(AssistantError, match="known categories"):
        series_of(api, MARKETER, "category", "Spaceships", 4)
