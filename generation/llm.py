"""The `LLM` seam: one small interface for every chat model backend (`generation.backends.get_llm` picks one).

    llm = get_llm(settings.llm, settings.model_cache_dir)
    for piece in llm.stream([{"role": "user", "content": "Hi"}], max_tokens=20):
        print(piece, end="")

Messages are plain dicts ``{"role": "system" | "user" | "assistant" | "tool", "content": str}`` (OpenAI style), so the
same list goes to a local model's chat template and to a `/v1/chat/completions` server.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from generation.errors import BackendError

if TYPE_CHECKING:
    from generation.langchain_chat import LLMChatModel

log = logging.getLogger(__name__)

Message = dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    """A model's request to run a tool. Only a request: the caller's policy decides whether it runs."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass
class ChatResult:
    """A whole (non-streamed) chat answer: text and, from tool-capable backends, structured tool calls."""

    text: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    finish_reason: str = "stop"


class LLM(ABC):
    """A chat model. Implementations: `TransformersLLM` (local), `LlamaCppLLM` (local GGUF through llama.cpp, optional)
    and `OpenAICompatibleLLM` (any chat-completions server).

    `stream` is the one method to implement; `complete`, `chat` and `as_chat_model` build on it.
    `supports_tools` says whether `chat(messages, tools=...)` can return tool calls; `context_window` is in tokens.
    """

    name: str = "llm"
    supports_tools: bool = False
    context_window: int = 2048

    @abstractmethod
    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        """Yield the answer's text in pieces as it is generated. Stops at `max_tokens` new tokens or at a `stop` string
        (which is not included). Temperature 0 means greedy (deterministic) decoding."""

    def complete(
        self,
        messages: Sequence[Message] | str,
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> str:
        """The whole answer as one string. A bare string is taken as one user message."""
        if isinstance(messages, str):
            messages = [{"role": "user", "content": messages}]
        return "".join(self.stream(messages, max_tokens=max_tokens, temperature=temperature, stop=stop))

    def chat(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[dict[str, Any]] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> ChatResult:
        """One answer with optional tool calling. Backends without tool support ignore `tools` and return text only."""
        text = self.complete(messages, max_tokens=max_tokens, temperature=temperature)
        return ChatResult(text=text)

    def count_tokens(self, text: str) -> int:
        """Tokens in `text`; a rough estimate (4 characters a token) unless the backend knows better."""
        return max(1, len(text) // 4)

    def as_chat_model(self, **kwargs: Any) -> LLMChatModel:
        """This model as a LangChain `BaseChatModel` (`invoke`, `stream`, `bind_tools` when supported)."""
        from generation.langchain_chat import LLMChatModel

        return LLMChatModel(llm=self, **kwargs)


def apply_stop(pieces: Iterable[str], stop: Sequence[str] | None) -> Iterator[str]:
    """Pass text pieces through, cutting at the first stop string even when it spans two pieces.

    Holds back at most ``len(longest stop) - 1`` characters, so streaming stays smooth. Closing the returned
    generator closes `pieces` (which lets a backend cancel generation early).
    """
    stops = [s for s in (stop or []) if s]
    if not stops:
        yield from pieces
        return
    hold = max(len(s) for s in stops) - 1
    buffer = ""
    iterator = iter(pieces)
    try:
        for piece in iterator:
            buffer += piece
            cut = min((i for i in (buffer.find(s) for s in stops) if i >= 0), default=-1)
            if cut >= 0:
                if buffer[:cut]:
                    yield buffer[:cut]
                return
            if len(buffer) > hold:
                emit, buffer = buffer[: len(buffer) - hold], buffer[len(buffer) - hold :]
                yield emit
        if buffer:
            yield buffer
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def check_messages(messages: Sequence[Message]) -> list[Message]:
    """Validate the message list early, with a clear error, instead of deep inside a tokenizer or a server."""
    if not messages:
        raise BackendError("no messages to answer")
    clean = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in {"system", "user", "assistant", "tool"}:
            raise BackendError(f"message {i} needs a role of system, user, assistant or tool")
        clean.append({**m, "content": "" if m.get("content") is None else str(m["content"])})
    return clean


@lru_cache(maxsize=4)
def detect_device(preference: str = "auto") -> str:
    """`cuda` when asked for (or `auto`) and available, else `cpu`; detected once per process."""
    if preference == "cpu":
        return "cpu"
    try:
        import torch

        if torch.cuda.is_available():
            return "cuda"
    except Exception:  # a broken CUDA install must not stop a CPU run
        log.exception("CUDA detection failed")
    if preference == "cuda":
        log.warning("MKA_LLM__DEVICE=cuda but no CUDA device is available: falling back to CPU")
    return "cpu"
