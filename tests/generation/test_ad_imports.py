"""The ad platforms' bulk-import layouts kept as data (`generation/ad_imports.yaml`): each cites the pages it was checked
against, lists every required column once in order, and a row can only fill columns the layout has."""

from __future__ import annotations

import pytest

from generation import META_LAYOUT, RSA_LAYOUT, import_layout, rsa_slots
from generation.export import _expand


@pytest.mark.parametrize("name", [RSA_LAYOUT, META_LAYOUT])
def test_each_layout_names_its_sources_and_columns_once(name: str) -> None:
    layout = import_layout(name)
    assert layout.sources and all(str(s.url).startswith("https://") and s.says for s in layout.sources)
    assert layout.encoding == "utf-8" and layout.checked
    assert len(set(layout.columns)) == len(layout.columns)
    assert set(layout.fixed) <= set(layout.columns)


def test_the_editor_layout_has_every_rsa_slot_with_its_position_beside_it() -> None:
    columns = import_layout(RSA_LAYOUT).columns
    assert columns[:2] == ["Campaign", "Ad group"] and columns[-3:] == ["Path 1", "Path 2", "Final URL"]
    for kind, count in (("Headline", 15), ("Description", 4)):
        for n in range(1, count + 1):
            assert columns.index(f"{kind} {n} position") == columns.index(f"{kind} {n}") + 1
        assert f"{kind} {count + 1}" not in columns


def test_slots_fill_in_order_and_a_line_beyond_the_slots_is_left_out() -> None:
    lines = {"headlines": [(f"Line {i}", 1 if i == 2 else None) for i in range(1, 18)], "descriptions": []}
    cells = rsa_slots(lines)
    assert cells["Headline 1"] == "Line 1" and cells["Headline 2 position"] == "1"
    assert cells["Headline 1 position"] == "" and "Headline 16" not in cells


def test_a_row_fills_the_fixed_cells_and_refuses_unknown_columns() -> None:
    meta = import_layout(META_LAYOUT)
    row = meta.row({"Campaign Name": "Winter Trail", "Link": "https://www.kestrel-ridge.test/products/x"})
    assert list(row) == meta.columns and row["Ad Status"] == "PAUSED" and row["Title"] == ""
    with pytest.raises(KeyError, match="Headline 1"):
        meta.row({"Headline 1": "wrong platform"})
    with pytest.raises(ValueError, match="named twice"):
        _expand(["Campaign", {"each": ["Campaign"], "count": 1}])
