"""Backends down or slow: never a 500; the caller gets an answer that needs no model, or a clear 503 with Retry-After
and a person offered; recovery is automatic.

The LLM is reached the way production reaches vLLM or Ollama: `OpenAICompatibleLLM` over HTTP to a real server on
loopback (`generation.openai_server` with a small scripted model behind it; the fault under test is the network, not the
model). The server is started, stopped, made slow, and started again while the same app keeps serving.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient

from assistant.http.app import create_app
from assistant.settings import Settings
from generation.llm import LLM, ToolCall
from generation.openai_server import create_app as create_llm_server


class ScriptedLLM(LLM):
    """Answers every request with one fixed sentence, after `delay_s` (to play a server that times out)."""

    name = "scripted"
    supports_tools = True

    def __init__(self) -> None:
        self.delay_s = 0.0

    def stream(
        self, messages: Sequence[dict], *, max_tokens=None, temperature=None, stop=None
    ) -> Iterator[str]:
        time.sleep(self.delay_s)
        yield "Hello from the shop assistant."


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackServer:
    """uvicorn in a thread on 127.0.0.1:port; start() and stop() as often as needed."""

    def __init__(self, app: Any, port: int):
        self.app, self.port = app, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            assert time.monotonic() < deadline, "the loopback LLM server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            assert self._thread is not None
            self._thread.join(timeout=20)
            self._server = None


def _router_for(llm: ScriptedLLM):
    def route_search(messages: list[dict], tools: list[dict]) -> list[ToolCall] | None:
        time.sleep(llm.delay_s)  # a slow server is slow for tool decisions too
        names = {t.get("function", t).get("name") for t in tools}
        if "search_docs" in names:
            return [ToolCall(id="c1", name="search_docs", arguments={"query": "returns", "k": 2})]
        return None

    return route_search


@pytest.fixture
def llm_server():
    llm = ScriptedLLM()
    server = LoopbackServer(create_llm_server(llm, tool_router=_router_for(llm)), _free_port())
    yield llm, server
    server.stop()


def _chat(client: TestClient, message: str = "Can I return worn boots?") -> Any:
    return client.post("/v1/chat", json={"message": message, "stream": False})


def _assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) >= 1
    error = response.json()["error"]
    assert "internal error" not in error
    assert any(
        w in error.lower() for w in ("unavailable", "not answering", "unreachable", "timed out", "try again")
    )
    assert any(w in error.lower() for w in ("person", "team", "handoff", "contact")), error


def _ingest_returns(settings: Settings) -> None:
    from retrieval import KnowledgeBase

    report = KnowledgeBase.open(settings.retrieval, settings.chroma_path).sync(
        [settings.demo_dir / "policies" / "returns.md"], progress=False
    )
    assert report.added


def _answered_without_model(response: Any) -> None:
    """The turn was answered by the router path (no LLM needed): a grounded reply with citations, never a 5xx."""
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["intent"] != "tool_calling" and reply["citations"], reply


def test_llm_server_down_then_back_then_slow(settings: Settings, llm_server):
    """The customer is answered from the documents whenever the model is down or slow; the model is used again as
    soon as it is back, without a restart."""
    llm, server = llm_server
    settings.llm.backend = "openai"
    settings.llm.base_url = f"http://127.0.0.1:{server.port}/v1"
    settings.llm.timeout_s = 2.0
    _ingest_returns(settings)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        _answered_without_model(_chat(client))  # nothing listens on the port

        server.start()
        ok = _chat(client)
        assert ok.status_code == 200, ok.text
        assert ok.json()["intent"] == "tool_calling", ok.json()  # the model decided this turn

        server.stop()
        _answered_without_model(_chat(client))  # went away mid-life

        server.start()
        assert _chat(client).json()["intent"] == "tool_calling"  # came back: no restart needed

        llm.delay_s = 5.0  # slower than the 2 s timeout
        started = time.monotonic()
        _answered_without_model(_chat(client))
        assert time.monotonic() - started < 30
        llm.delay_s = 0.0


def test_llm_down_streaming_chat_never_breaks_the_stream(settings: Settings, llm_server):
    _llm, server = llm_server
    settings.llm.backend = "openai"
    settings.llm.base_url = f"http://127.0.0.1:{server.port}/v1"
    settings.llm.timeout_s = 2.0
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.post("/v1/chat", json={"message": "Can I return worn boots?"})
        if (
            response.status_code == 503
        ):  # refusing before the stream is fine, with the retry hint and a person
            _assert_unavailable(response)
            return
        assert response.status_code == 200
        assert "event: done" in response.text and "event: error" not in response.text, response.text[-500:]
        done = response.text.split("event: done", 1)[1]
        assert any(w in done for w in ("team", "person")), done  # no evidence here: a person is offered


@pytest.fixture
def chroma_server(tmp_path):
    """A real Chroma server (`chroma run`) on loopback; yields (port, start, stop)."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = _free_port()
    procs: list[subprocess.Popen] = []

    def start() -> None:
        proc = subprocess.Popen(
            [
                exe,
                "run",
                "--path",
                str(tmp_path / "chroma-server"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        procs.append(proc)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "chroma run did not start"
                time.sleep(0.1)

    def stop() -> None:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=20)

    yield port, start, stop
    stop()


def test_chroma_server_down_at_start_is_a_503_not_a_crash(settings: Settings):
    settings.retrieval.chroma_host = "127.0.0.1"
    settings.retrieval.chroma_port = _free_port()  # nothing listens there
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/healthz").status_code == 200
        _assert_unavailable(_chat(client, "What is your return policy?"))


def test_chroma_server_going_away_is_a_503_and_recovers(settings: Settings, chroma_server):
    port, start, stop = chroma_server
    settings.retrieval.chroma_host = "127.0.0.1"
    settings.retrieval.chroma_port = port
    start()
    _ingest_returns(settings)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        first = _chat(client, "What is your return policy?")
        assert first.status_code == 200 and first.json()["citations"], first.text
        stop()
        _assert_unavailable(_chat(client, "What is your return policy?"))
        start()
        again = _chat(client, "What is your return policy?")
        assert again.status_code == 200 and again.json()["citations"], again.text
