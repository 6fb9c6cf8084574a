"""The service benchmark's load generator on a small slice (2 levels, fake assistant behind the real app and server)."""

from __future__ import annotations

import json

from assistant.http.app import create_app
from bench import service as bench
from tests.ui.fake_assistant import FakeAssistant


def test_check_turn_catches_answers_for_another_session() -> None:
    reply = {"session_id": "b", "turn_id": 3, "text": "hello"}
    assert bench.check_turn("a", 2, "hello", reply) == ["wrong session: sent a, got b"]
    assert bench.check_turn("b", 2, "hel", reply) == ["streamed tokens differ from the final reply text"]
    assert bench.check_turn("b", 3, "hello", reply) == ["turn id did not grow within the session"]
    assert bench.check_turn(None, None, "hello", reply) == []
    assert bench.check_turn("b", None, "", None) == ["no done event"]


def test_percentile_interpolates() -> None:
    assert bench.percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert bench.percentile([1.0, 2.0], 0.95) == 1.95
    assert bench.percentile([], 0.5) is None


def test_bench_runs_levels_and_writes_a_report(settings, tmp_path) -> None:
    fake = FakeAssistant(settings, token_delay_s=0.03)  # ~10 tokens: a done ~0.3 s after the first token
    report = bench.run([1, 3], turns=2, app=create_app(settings, fake), assistant=fake, baseline_turns=2)
    levels = {lv["sessions"]: lv for lv in report["levels"]}
    assert set(levels) == {1, 3}
    for n, level in levels.items():
        assert level["turns_ok"] == 2 * n and level["errors"] == 0 and level["wrong_session"] == 0, level
        # tokens reach the client as they are made: nothing between the worker thread and the socket buffers them
        assert 0 < level["ttft_p50_s"] < level["done_p50_s"] - 0.15, level
    assert report["baseline_in_process"]["turns"] == 2 and report["ratios_http_vs_in_process"]["ttft_p50"] > 0
    assert report["targets"]["sixteen_sessions_zero_errors"] is False  # level 16 was not run
    bench.plot(report, tmp_path / "service.png")
    assert (tmp_path / "service.png").stat().st_size > 1000
    json.dumps(report)  # the report is plain JSON


def test_the_load_generator_runs_inside_a_running_event_loop() -> None:
    """A thread with a running loop (Playwright's sync API leaves one in the main thread) still runs the benches."""
    import asyncio
    import threading

    from bench.event_loop import run_to_completion

    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    async def caller() -> int:
        return run_to_completion(answer())  # a plain asyncio.run here raises

    # the caller's loop runs on its own thread: this test's thread may itself hold Playwright's running loop
    outcome: list[int] = []
    outer = threading.Thread(target=lambda: outcome.append(asyncio.run(caller())))
    outer.start()
    outer.join()
    assert outcome == [42]
