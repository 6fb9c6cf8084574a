"""The workspace's "For a segment" view without a browser: the segment list, the recommendations table with its
reasons, the plot of what the segment buys beside the shop, and errors in words."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from assistant import AssistantError
from assistant.settings import Settings
from tests.assistant.commerce.models.demo_models import demo_models
from tests.assistant.workspace.conftest import MARKETER, workspace_assistant
from ui.workspace_segment import segment_names, segment_view


def test_pick_a_segment_and_see_its_table_and_plot(tmp_path) -> None:
    api = workspace_assistant(Settings(data_dir=tmp_path / "var", _env_file=None), models=demo_models())
    names = segment_names(api, MARKETER)
    assert names == [p.name for p in demo_models().segmenter.profiles()]
    table, figure, summary = segment_view(api, MARKETER, names[0], 4)
    headers, rows = table.constructor_args["headers"], table.constructor_args["value"]
    assert headers[:2] == ["#", "Product"] and "Customers" in headers and len(rows) == 4
    why, customers = headers.index("Why"), headers.index("Customers")
    for row in rows:  # a product name, how many it is for, a reason in words
        assert row[1] and not row[1].startswith(row[-1]) and int(row[customers].replace(",", "")) > 0
        assert "of this segment's customers" in row[why] and "share:" not in row[why]
    assert isinstance(figure, Figure) and len(figure.axes) == 2
    categories, products = figure.axes
    assert categories.get_yticklabels() and products.get_title().startswith("Products")
    assert [t.get_text() for t in categories.get_legend().get_texts()] == [names[0], "whole shop"]
    assert names[0] in summary and "customers" in summary
    with pytest.raises(AssistantError, match="Pick a segment"):
        segment_view(api, MARKETER, None, 4)
    with pytest.raises(AssistantError, match="unknown segment"):
        segment_view(api, MARKETER, "Nobody", 4)
