"""A short soak (4 sessions x 20 s) through `bench.soak` on the real server process: no 5xx, no cross-session leak."""

from __future__ import annotations

import json

import pytest

from bench import soak


@pytest.mark.slow
def test_short_soak(tmp_path):
    out = tmp_path / "soak.json"
    report = soak.run(
        sessions=4,
        duration=20,
        baseline=3,
        data_dir=tmp_path / "var",
        bootstrap=False,
        out=out,
        start_timeout=300,
    )
    assert json.loads(out.read_text())["bench"] == "soak"
    assert out.with_suffix(".png").stat().st_size > 1000
    s = report["soak"]
    assert s["turns"] >= 20, s
    assert s["server_errors_5xx"] == 0, s
    assert s["transport_errors"] == {}, s
    assert s["cross_session_leaks"] == 0, s["leak_examples"]
    assert s["wrong_session_replies"] == 0, s
    # The leak check sees what it looks for: every handoff reply named its own session's secret back.
    echoed, expected = map(int, s["own_secret_echoed"].split("/"))
    assert expected > 0 and echoed == expected, s["own_secret_echoed"]
    assert report["rss_mb"]["before"] > 0 and report["rss_mb"]["after"] > 0
    assert report["ok"]
