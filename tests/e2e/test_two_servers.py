"""Two app servers on real shared engines: a private PostgreSQL, `chroma run` and two `mka serve` processes.

A small slice of the cluster benchmark (bench/cluster_soak.py): an upload through one server is answered by the
other within its refresh interval; sessions alternating between the servers get no 5xx, no other session's data and
no lost or doubled turn in the database; after kill -9 of one server the other keeps answering.

`make test` drives 6 sessions for 4 s per phase (the start of PostgreSQL, Chroma and two servers is most of the test's
time, the same at any length); `make test-all` (MKA_TEST_ALL=1) 6 s per phase; `make bench` 16 sessions x 30 s.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest

from assistant.storage.pgserver import PostgresMissing, find_bin_dir
from tests.sampling import run_all_cases

PHASE_S = 6.0 if run_all_cases() else 4.0


@pytest.mark.slow
def test_two_servers_agree_and_survive_a_kill(tmp_path):
    try:
        find_bin_dir()
    except PostgresMissing as exc:
        pytest.skip(str(exc)) if not _required() else pytest.fail(str(exc))
    from bench.cluster_soak import run

    kwargs = dict(sessions=6, duration=PHASE_S, root=tmp_path / "cluster", out=tmp_path / "cluster.json")
    # In its own thread: the browser tests' sync Playwright keeps an event loop running in the main thread for the
    # rest of the test session, and the soak's asyncio.run must not nest in it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        report = pool.submit(run, **kwargs).result()
    detail = json.dumps(report, indent=1)[:6000]
    agree = report["agreement"]
    assert agree["cited_by_other_server"], detail
    assert agree["seconds_until_cited"] < 20, detail  # refresh interval 2 s; generous for two busy cores
    assert agree["page_on_other_server"] and agree["recommendations_on_other_server"], detail
    assert agree["login_valid_on_other_server"], detail
    for name, phase in report["phases"].items():
        assert phase["server_errors_5xx"] == 0, (name, phase.get("server_error_samples"), detail)
        assert phase["cross_session_leaks"] == 0 and phase["wrong_session_replies"] == 0, (name, detail)
        db = phase["database"]
        assert db["lost"] == 0 and db["duplicated"] == 0 and db["stored_unacknowledged"] == 0, (name, detail)
        assert phase["turns"] > 0 and db["acknowledged"] > 0, (name, detail)
    two = report["phases"]["two_servers"]["turns_by_server"]
    assert len(two) == 2 and min(two.values()) > 0, detail  # both servers answered
    failover = report["phases"]["failover"]
    assert failover["failovers"] >= 1 and failover["unanswered"] == 0, (
        detail
    )  # the kill was felt, and absorbed
    assert report["ok"], detail


def _required() -> bool:
    import os

    return os.environ.get("MKA_REQUIRE_POSTGRES") == "1"
