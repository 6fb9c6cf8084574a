"""A small slice of the attack suite (`python -m bench.attacks`) against the real server process: forged cookies,
internal documents and malformed input, each refused with a 4xx, no 5xx, no leak, the server healthy afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.attacks import main


@pytest.mark.slow
def test_a_slice_of_the_attack_suite(tmp_path: Path) -> None:
    out = tmp_path / "attacks.json"
    code = main(["--only", "cookies,internal_docs,malformed", "--no-index", "--json", str(out)])
    report = json.loads(out.read_text())
    assert report["failures"] == [], report["failures"][:5]
    assert code == 0
    totals = report["totals"]
    assert totals["attempts"] >= 100 and totals["5xx"] == 0 and totals["leaks"] == 0 and totals["got_in"] == 0
    assert report["summary"]["forged_cookies"]["refused"] == report["summary"]["forged_cookies"]["attempts"]
    assert report["baseline_controls"]["worked"] == report["baseline_controls"]["total"] > 0
    assert report["health_after"]["healthy"]
    assert report["server"]["secrets_line"].startswith(
        "secrets: generated session_secret, widget_secret into "
    )
    assert report["server"]["unhandled_errors_logged"] == 0
