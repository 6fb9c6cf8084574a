"""A short soak (4 sessions x 20 s) through `bench.soak` on the real server process: no 5xx, no cross-session leak."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import soak


@pytest.mark.slow
def test_short_soak(tmp_path):
    out = tmp_path / "soak.json"
    kwargs = dict(
        sessions=4,
        duration=20,
        baseline=3,
        data_dir=tmp_path / "var",
        bootstrap=False,
        out=out,
        start_timeout=300,
    )
    # In its own thread: the browser tests' sync Playwright keeps an event loop running in the main thread for the
    # rest of the test session, and the soak's asyncio.run must not nest in it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        report = pool.submit(soak.run, **kwargs).result()
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
