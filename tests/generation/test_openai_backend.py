"""Behaviour only the HTTP backend has: tool calls, unreachable or slow servers, server errors."""

from __future__ import annotations

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from generation.config import LLMSettings
from generation.errors import BackendError, BackendUnavailable
from generation.openai_llm import OpenAICompatibleLLM

WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


@pytest.mark.slow
def test_tool_calls_come_back_structured(remote_llm):
    result = remote_llm.chat(
        [{"role": "user", "content": "What is the weather in Paris?"}], tools=[WEATHER_TOOL]
    )
    assert [(c.name, c.arguments) for c in result.tool_calls] == [("get_weather", {"city": "Paris"})]
    assert result.finish_reason == "tool_calls"


@pytest.mark.slow
def test_langchain_bind_tools_passes_tool_calls_through(remote_llm):
    chat = remote_llm.as_chat_model().bind_tools([WEATHER_TOOL])
    message = chat.invoke("What is the weather in Paris?")
    assert message.tool_calls[0]["name"] == "get_weather"
    assert message.tool_calls[0]["args"] == {"city": "Paris"}


class _Handler(BaseHTTPRequestHandler):
    mode = "slow"

    def do_POST(self):  # noqa: N802 (http.server API)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.server.mode == "slow":
            time.sleep(2)
        status = {"slow": 200, "500": 500, "400": 400}[self.server.mode]
        body = b'{"error": "nope"}'
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:  # the client gave up (the timeout test): expected
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def odd_server():
    servers = []

    def start(mode: str) -> str:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.mode = mode
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/v1"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


def _client(url: str, timeout: float = 5.0) -> OpenAICompatibleLLM:
    return OpenAICompatibleLLM(LLMSettings(backend="openai", model="m", base_url=url, timeout_s=timeout))


def test_timeout_is_backend_unavailable(odd_server):
    llm = _client(odd_server("slow"), timeout=0.3)
    with pytest.raises(BackendUnavailable, match="timed out"):
        llm.complete("hi")
    with pytest.raises(BackendUnavailable):
        llm.chat([{"role": "user", "content": "hi"}])


def test_server_error_is_unavailable_and_client_error_is_backend_error(odd_server):
    with pytest.raises(BackendUnavailable, match="500"):
        _client(odd_server("500")).complete("hi")
    with pytest.raises(BackendError, match="400"):
        _client(odd_server("400")).complete("hi")


def test_unreachable_server_is_backend_unavailable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    with pytest.raises(BackendUnavailable, match="unreachable"):
        _client(f"http://127.0.0.1:{port}/v1").complete("hi")


def test_a_tool_call_with_broken_arguments_is_malformed_not_dropped():
    import httpx

    from generation.toolcalls import MalformedToolCall

    def answer(request: httpx.Request) -> httpx.Response:
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "a",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                },
                {
                    "id": "b",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city": '},
                },
            ],
        }
        return httpx.Response(200, json={"choices": [{"message": message, "finish_reason": "tool_calls"}]})

    llm = OpenAICompatibleLLM(
        LLMSettings(backend="openai", model="m", base_url="http://llm.invalid/v1"),
        transport=httpx.MockTransport(answer),
    )
    with pytest.raises(MalformedToolCall, match="not JSON") as caught:
        llm.chat([{"role": "user", "content": "weather?"}], tools=[WEATHER_TOOL])
    assert [c.arguments for c in caught.value.calls] == [{"city": "Paris"}]
    assert caught.value.raw == '{"city": '


def test_tools_are_sent_with_tool_choice_auto():
    # llama.cpp's server ignores `tools` unless `tool_choice` is given (tests/backends checks it on the real one)
    import json

    import httpx

    sent: list[dict] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(json.loads(request.content))
        message = {"role": "assistant", "content": "ok"}
        return httpx.Response(
            200, json={"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]}
        )

    llm = OpenAICompatibleLLM(LLMSettings(backend="openai", model="m"), transport=httpx.MockTransport(answer))
    llm.chat([{"role": "user", "content": "weather in Lyon?"}], tools=[WEATHER_TOOL])
    llm.chat([{"role": "user", "content": "hello"}])
    assert sent[0]["tool_choice"] == "auto" and sent[0]["tools"][0]["function"]["name"] == "get_weather"
    assert "tool_choice" not in sent[1] and "tools" not in sent[1]
