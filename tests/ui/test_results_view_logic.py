"""The workspace's Results tab without a browser: a simulated example report imported through the API, the variants'
table with intervals and budget shares, the posterior chart, and errors in words."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure

from assistant import AssistantError
from assistant.settings import Settings
from tests.assistant.workspace.conftest import MARKETER, rsa_draft, workspace_assistant
from ui.panels import download
from ui.workspace_results import import_report, show_results


def test_import_the_example_and_see_the_table_and_chart(tmp_path) -> None:
    app = workspace_assistant(Settings(data_dir=tmp_path / "var", _env_file=None))
    drafts = rsa_draft(app, variants=3)
    assert (
        show_results(app, MARKETER, "winter-trail-2026")[1] is None
    )  # nothing imported yet: words, no chart
    example = app.example_campaign_report(MARKETER, "winter-trail-2026", "google-rsa")
    note = import_report(app, MARKETER, download(example))
    assert "3 row(s) of a Google Ads report" in note
    table, figure, summary = show_results(app, MARKETER, "winter-trail-2026")
    headers, rows = table.constructor_args["headers"], table.constructor_args["value"]
    assert [row[2] for row in rows] == drafts and headers[-2:] == ["P(best)", "Next budget share"]
    assert all("–" in row[7] and row[-1].endswith("%") for row in rows)  # "3.1% (2.6%–3.7%)"
    assert isinstance(figure, Figure) and len(figure.axes) == 3  # CTR, conversion rate, P(best) vs share
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == [f"draft {d}" for d in drafts]
    assert "Winter Trail Ready" in summary
    with pytest.raises(AssistantError, match="Choose a report"):
        import_report(app, MARKETER, None)
