"""The workspace's Reviews tab without a browser: import a file, the themes table and plot, one product's aspects with
quotes, the complaints ranking, and errors in words (the real application API, SQLite, the lexicon model)."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from assistant import AssistantError
from assistant.settings import Settings
from tests.assistant.reviews.conftest import csv_bytes
from tests.assistant.workspace.conftest import MARKETER, workspace_assistant
from ui.workspace_reviews import complaints, import_file, product, themes


def test_import_then_themes_product_and_complaints(tmp_path) -> None:
    api = workspace_assistant(
        Settings(data_dir=tmp_path / "var", reviews_sentiment="lexicon", _env_file=None)
    )
    path = tmp_path / "reviews.csv"
    path.write_bytes(csv_bytes())
    assert "Imported **7** review(s)" in import_file(api, MARKETER, str(path))

    table, figure, summary = themes(api, MARKETER, "")
    headers, rows = table.constructor_args["headers"], table.constructor_args["value"]
    assert headers[0] == "Aspect" and rows[0][0] == "Fit and sizing" and rows[0][3] == 3
    assert isinstance(figure, Figure) and "**7** reviews across the shop" in summary
    bars = figure.axes[0]
    assert [t.get_text() for t in bars.get_legend().get_texts()] == ["praised", "neutral", "criticised"]
    assert bars.get_yticklabels()[-1].get_text() == "Fit and sizing"  # the most mentioned on top

    table, summary = product(api, MARKETER, "FTW-001", "")
    rows = table.constructor_args["value"]
    fit = next(r for r in rows if r[0] == "Fit and sizing")
    assert fit[3] == 3 and "[review " in fit[5] and "★]" in fit[5]
    assert summary.startswith("**Talus Mid Waterproof Hiking Boot (Men's)** (FTW-001): 4 review(s)")

    ranked = complaints(api, MARKETER, "sizing").constructor_args["value"]
    assert ranked[0][1] == "FTW-001" and ranked[0][2] == 3

    with pytest.raises(AssistantError, match="Enter a product"):
        product(api, MARKETER, " ", None)
    with pytest.raises(AssistantError, match="no product"):
        product(api, MARKETER, "flux capacitor", None)
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_bytes([("X", "FTW-001", "0", "zero stars is not a rating of ours", "2026-01-01", "en")])
    )
    with pytest.raises(AssistantError, match="row 2: rating '0'"):
        import_file(api, MARKETER, str(bad))
