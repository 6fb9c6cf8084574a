"""`LlamaCppLLM`: a local GGUF model run by llama.cpp (the optional `llamacpp` extra, `MKA_LLM__BACKEND=llamacpp`).

llama.cpp computes on the GGUF's own quantized weights with hand-written CPU kernels: on the bundled SmolLM2 it
loads in a fraction of a second and decodes several times faster than transformers on the same file (see
`bench.generation --only speed`). The prompt is the GGUF's own chat template (rendered by llama-cpp-python's Jinja
formatter, the same sandbox transformers uses), so `supports_tools` and tool-call parsing work as in
`TransformersLLM`. One context serves every request, one after another; at most `MKA_LLM__MAX_QUEUE` wait.

llama-cpp-python builds from source (about 10 minutes on 2 cores): `pip install -e '.[llamacpp]'`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from generation.config import LLMSettings
from generation.errors import BackendBusy, BackendError, ModelLoadError
from generation.llm import LLM, ChatResult, Message, apply_stop, check_messages
from generation.toolcalls import parse_tool_calls, wire_tools

log = logging.getLogger(__name__)

_PROBE_TOOL = {
    "type": "function",
    "function": {"name": "probe_tool_support", "parameters": {"type": "object"}},
}


def gguf_path(model: str) -> Path:
    """The GGUF file for the `model` setting: "bundled" or a path to a .gguf file."""
    if model == "bundled":
        from generation.transformers_llm import bundled_model_path

        return bundled_model_path()
    path = Path(model).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return path
    raise ModelLoadError(f"the llamacpp backend needs 'bundled' or a .gguf file, not {model!r}")


class LlamaCppLLM(LLM):
    """A GGUF model through llama-cpp-python. Thread-safe: requests run one after another."""

    def __init__(self, settings: LLMSettings):
        try:
            from llama_cpp import Llama
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError as exc:
            raise ModelLoadError(
                "MKA_LLM__BACKEND=llamacpp needs llama-cpp-python (pip install -e '.[llamacpp]')",
                setting="MKA_LLM__BACKEND",
            ) from exc
        self.settings = settings
        path = gguf_path(settings.model)
        self.name = path.name
        self.device = "cpu"
        threads = settings.threads or max(1, len(os.sched_getaffinity(0)) // 2)
        started = time.perf_counter()
        try:
            # The same thread count for prompt and decoding: two spinning pools on busy cores collapse (prefill 10x).
            self.model = Llama(
                model_path=str(path), n_ctx=0, n_threads=threads, n_threads_batch=threads, verbose=False
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelLoadError(f"llama.cpp could not load {path}: {exc}") from exc
        self.context_window = int(self.model.n_ctx())
        template = self.model.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelLoadError(f"{path.name} has no chat template (tokenizer.chat_template)")
        eos, bos = self.model.token_eos(), self.model.token_bos()
        self._formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=self.model._model.token_get_text(eos) if eos != -1 else "",
            bos_token=self.model._model.token_get_text(bos) if bos != -1 else "",
        )
        self.supports_tools = self._renders_tools()
        self._lock = threading.Lock()
        self._waiting = 0
        self._waiting_lock = threading.Lock()
        self.load_seconds = time.perf_counter() - started

    def _renders_tools(self) -> bool:
        probe = [{"role": "user", "content": "Which tools do you have?"}]
        try:
            with_tools = self._formatter(messages=probe, tools=[_PROBE_TOOL]).prompt
            return with_tools != self._formatter(messages=probe).prompt and "probe_tool_support" in with_tools
        except Exception:  # a template that raises on tools cannot be offered tools
            return False

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    @contextmanager
    def _turn(self) -> Iterator[None]:
        """Wait for the model (bounded: `BackendBusy` when `max_queue` callers already wait)."""
        with self._waiting_lock:
            if self._waiting >= self.settings.max_queue:
                raise BackendBusy(f"the model is busy: {self._waiting} requests are waiting", retry_after=2)
            self._waiting += 1
        with self._lock:
            with self._waiting_lock:
                self._waiting -= 1
            yield

    def _prompt_tokens(self, messages: Sequence[Message], max_tokens: int, tools: Any = None) -> list[int]:
        prompt = self._formatter(messages=check_messages(messages), tools=tools).prompt
        tokens = self.model.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)
        budget = max(1, self.context_window - max_tokens)
        if len(tokens) > budget:  # keep the end of the conversation, where the question is
            log.warning("prompt of %d tokens cut to the last %d", len(tokens), budget)
            tokens = tokens[-budget:]
        return tokens

    def _pieces(
        self,
        messages: Sequence[Message],
        max_tokens: int | None,
        temperature: float | None,
        tools: Any = None,
    ) -> Iterator[str]:
        max_tokens = max_tokens or self.settings.max_new_tokens
        temperature = self.settings.temperature if temperature is None else temperature
        tokens = self._prompt_tokens(messages, max_tokens, tools)  # bad messages fail before waiting
        with self._turn():
            # Evaluate every prompt from scratch: reusing the previous prompt's cached prefix changes llama.cpp's
            # numerics (it quantizes activations per batch) and so the greedy answer, e.g. "The capital of
            # France is Paris" after a cached prefix, "La femme de France," fresh.
            self.model.reset()
            try:
                chunks = self.model.create_completion(
                    tokens,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    top_p=0.95,
                    top_k=0,
                    min_p=0.0,
                    repeat_penalty=1.0,
                    stream=True,
                )
                for chunk in chunks:
                    piece = chunk["choices"][0]["text"]
                    if piece:
                        yield piece
            except (RuntimeError, ValueError) as exc:
                raise BackendError(f"llama.cpp generation failed: {exc}") from exc

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        check_messages(messages)
        return apply_stop(self._pieces(messages, max_tokens, temperature), stop)

    def chat(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[dict[str, Any]] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> ChatResult:
        """As `TransformersLLM.chat`: tool calls parsed from the text the template taught the model to write."""
        if not tools or not self.supports_tools:
            return super().chat(messages, max_tokens=max_tokens, temperature=temperature)
        offered = wire_tools(tools)
        raw = "".join(self._pieces(messages, max_tokens, temperature, offered))
        parsed = parse_tool_calls(raw, offered)
        if not parsed.calls:
            return ChatResult(text=raw.strip())
        return ChatResult(text=parsed.text, tool_calls=parsed.calls, finish_reason="tool_calls")
