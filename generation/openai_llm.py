"""`OpenAICompatibleLLM`: any `/v1/chat/completions` server (vLLM, TGI, Ollama, llama.cpp server, OpenAI itself).

Streaming uses server-sent events over httpx. Connection failures, timeouts and 5xx answers raise `BackendUnavailable`
(the API turns that into 503 with a retry hint); 4xx answers raise `BackendError` with the server's message.
Tool calling is passed through (`chat(messages, tools=...)` returns structured `ToolCall`s) when the server supports it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from generation.config import LLMSettings
from generation.errors import BackendError, BackendUnavailable
from generation.llm import LLM, ChatResult, Message, ToolCall, apply_stop, check_messages
from generation.toolcalls import MalformedToolCall

log = logging.getLogger(__name__)


class OpenAICompatibleLLM(LLM):
    """A chat model behind an OpenAI-compatible HTTP API. One pooled httpx client per instance (thread-safe)."""

    def __init__(self, settings: LLMSettings, *, transport: httpx.BaseTransport | None = None):
        self.settings = settings
        self.name = settings.model
        self.supports_tools = settings.supports_tools
        self.context_window = settings.context_window
        headers = {"Accept": "application/json"}
        if settings.api_key is not None:
            headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
        self._client = httpx.Client(
            base_url=settings.base_url.rstrip("/") + "/",
            headers=headers,
            timeout=httpx.Timeout(settings.timeout_s, connect=min(10.0, settings.timeout_s)),
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def _payload(
        self, messages: Sequence[Message], max_tokens: int | None, temperature: float | None, **extra: Any
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.settings.model,
            "messages": check_messages(messages),
            "max_tokens": max_tokens or self.settings.max_new_tokens,
            "temperature": self.settings.temperature if temperature is None else temperature,
        }
        payload.update({k: v for k, v in extra.items() if v is not None})
        return payload

    def _raise_for(self, response: httpx.Response) -> None:
        if response.status_code < 400:
            return
        try:
            detail = response.read().decode("utf-8", "replace")[:300]
        except httpx.HTTPError:
            detail = ""
        where = f"LLM server {self.settings.base_url}"
        if response.status_code >= 500 or response.status_code == 429:
            raise BackendUnavailable(f"{where} answered {response.status_code}: {detail}")
        raise BackendError(f"{where} rejected the request ({response.status_code}): {detail}")

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        payload = self._payload(
            messages, max_tokens, temperature, stream=True, stop=list(stop) if stop else None
        )
        # Servers differ in how exactly they honour `stop`; cutting client-side too gives the same contract everywhere.
        return apply_stop(self._sse(payload), stop)

    def _sse(self, payload: dict[str, Any]) -> Iterator[str]:
        try:
            with self._client.stream("POST", "chat/completions", json=payload) as response:
                self._raise_for(response)
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue  # comments, event names, keep-alives
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    try:
                        event = json.loads(data)
                    except json.JSONDecodeError as exc:
                        raise BackendError(f"LLM server sent a malformed event: {data[:100]!r}") from exc
                    if "error" in event:
                        raise BackendUnavailable(f"LLM server error: {event['error']}")
                    for choice in event.get("choices") or []:
                        piece = (choice.get("delta") or {}).get("content")
                        if piece:
                            yield piece
        except httpx.TimeoutException as exc:
            raise BackendUnavailable(
                f"LLM server {self.settings.base_url} timed out ({exc.__class__.__name__})"
            ) from exc
        except httpx.TransportError as exc:
            raise BackendUnavailable(f"LLM server {self.settings.base_url} is unreachable: {exc}") from exc

    def chat(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[dict[str, Any]] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> ChatResult:
        """One non-streamed answer; with `tools` (OpenAI function schemas or {"name","description","parameters"})
        the server may answer with tool calls, returned as `ToolCall`s with parsed arguments. Raises
        `MalformedToolCall` when a call's arguments are not JSON."""
        wire_tools = None
        if tools and self.supports_tools:
            wire_tools = [
                t if t.get("type") == "function" else {"type": "function", "function": t} for t in tools
            ]
        # tool_choice "auto" is OpenAI's default when tools are sent, but llama.cpp's server (llama-cpp-python) ignores
        # the tools unless it is said explicitly; spelling it out gives the same behaviour on every server.
        payload = self._payload(
            messages, max_tokens, temperature, tools=wire_tools, tool_choice="auto" if wire_tools else None
        )
        try:
            response = self._client.post("chat/completions", json=payload)
        except httpx.TimeoutException as exc:
            raise BackendUnavailable(f"LLM server {self.settings.base_url} timed out") from exc
        except httpx.TransportError as exc:
            raise BackendUnavailable(f"LLM server {self.settings.base_url} is unreachable: {exc}") from exc
        self._raise_for(response)
        try:
            choice = response.json()["choices"][0]
            message = choice["message"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise BackendError(f"LLM server answered something that is not a chat completion: {exc}") from exc
        calls = []
        for i, call in enumerate(message.get("tool_calls") or []):
            fn = call.get("function") or {}
            raw = fn.get("arguments") or "{}"
            try:
                args = json.loads(raw) if isinstance(raw, str) else dict(raw)
            except (json.JSONDecodeError, TypeError, ValueError) as exc:
                # The same signal as a local model's broken call: the caller handles this turn without tools.
                raise MalformedToolCall(
                    f"the model called {fn.get('name')!r} with arguments that are not JSON",
                    raw=str(raw),
                    calls=calls,
                ) from exc
            calls.append(ToolCall(id=call.get("id") or f"call_{i}", name=fn.get("name", ""), arguments=args))
        return ChatResult(
            text=message.get("content") or "",
            tool_calls=calls,
            finish_reason=choice.get("finish_reason") or "stop",
        )
