"""Session-scoped real models and a real local OpenAI-compatible HTTP server for the generation tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from assistant.settings import Settings
from generation.backends import get_llm
from generation.config import LLMSettings
from generation.llm import LLM, ToolCall
from generation.openai_llm import OpenAICompatibleLLM
from generation.openai_server import create_app


@pytest.fixture(scope="session")
def model_cache_dir() -> Path:
    # The converted-GGUF cache of the real default settings (<repo>/var/models): a cache, safe to share, and it
    # turns the ~30 s first conversion into a ~1 s load for every later test session and for `mka` itself.
    return Settings(_env_file=None).model_cache_dir


@pytest.fixture(scope="session")
def local_llm(model_cache_dir: Path) -> LLM:
    """The real bundled SmolLM2 through transformers (one instance for the whole session)."""
    return get_llm(LLMSettings(backend="transformers"), model_cache_dir)


@pytest.fixture(scope="session")
def llamacpp_llm() -> LLM:
    """The bundled GGUF through llama.cpp (skipped where the optional `llamacpp` extra is not installed)."""
    pytest.importorskip("llama_cpp", reason="the llamacpp extra is not installed")
    return get_llm(LLMSettings(backend="llamacpp"), Path("."))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _weather_tool_router(messages, tools):
    # Scripted tool choice for the tool-call pass-through test: the tiny model cannot emit tool calls itself.
    names = {t.get("function", t).get("name") for t in tools}
    last = str(messages[-1].get("content", "")).lower()
    if "get_weather" in names and "weather" in last:
        return [ToolCall(id="call_1", name="get_weather", arguments={"city": "Paris"})]
    return None


@pytest.fixture(scope="session")
def llm_server(local_llm: LLM) -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1 serving /v1/chat/completions from the real local model."""
    port = _free_port()
    config = uvicorn.Config(
        create_app(local_llm, tool_router=_weather_tool_router),
        host="127.0.0.1",
        port=port,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        if time.time() > deadline:
            pytest.fail("test LLM server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def remote_llm(llm_server: str) -> Iterator[OpenAICompatibleLLM]:
    llm = OpenAICompatibleLLM(
        LLMSettings(backend="openai", model="smollm2", base_url=llm_server, timeout_s=120)
    )
    yield llm
    llm.close()
