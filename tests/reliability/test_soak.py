"""A short soak through `bench.soak` on the real server process: no 5xx, no cross-session leak.

`make test` runs 4 sessions x 8 s after a 2-second baseline (the server's start is most of the test's time, the same
at any length); `make test-all` (MKA_TEST_ALL=1) the 20-second slice; `make bench` the full soak (32 sessions x 120 s).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench import soak
from tests.sampling import run_all_cases

SESSIONS = 4
DURATION_S, BASELINE_S = (20, 3) if run_all_cases() else (8, 2)


@pytest.mark.slow
def test_short_soak(tmp_path):
    out = tmp_path / "soak.json"
    kwargs = dict(
        sessions=SESSIONS,
        duration=DURATION_S,
        baseline=BASELINE_S,
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
    # a turn a second across the sessions at least, as the 20-second slice's 20 turns asked
    assert s["turns"] >= DURATION_S, s
    assert s["server_errors_5xx"] == 0, s
    assert s["transport_errors"] == {}, s
    assert s["cross_session_leaks"] == 0, s["leak_examples"]
    assert s["wrong_session_replies"] == 0, s
    # The leak check sees what it looks for: every handoff reply named its own session's secret back, in every
    # session (each one's first message carries its secret).
    echoed, expected = map(int, s["own_secret_echoed"].split("/"))
    assert expected >= SESSIONS and echoed == expected, s["own_secret_echoed"]
    assert report["rss_mb"]["before"] > 0 and report["rss_mb"]["after"] > 0
    assert report["ok"]
