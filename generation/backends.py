"""The backend factory: which `LLM` the settings name, built once per process (models are big; load once).

llm = get_llm(settings.llm, settings.model_cache_dir)
"""

from __future__ import annotations

import threading
from pathlib import Path

from generation.config import LLMSettings
from generation.llm import LLM

_instances: dict[tuple[str, str], LLM] = {}
_instances_lock = threading.Lock()


def resolve_backend(settings: LLMSettings) -> str:
    """The backend "auto" stands for: llama.cpp for a GGUF model when its extra is installed, else transformers."""
    if settings.backend != "auto":
        return settings.backend
    import importlib.util

    gguf = settings.model == "bundled" or settings.model.lower().endswith(".gguf")
    return "llamacpp" if gguf and importlib.util.find_spec("llama_cpp") is not None else "transformers"


def get_llm(settings: LLMSettings, cache_dir: Path) -> LLM:
    """The shared `LLM` for these settings: one instance per settings per process (models are big; load once)."""
    key = (settings.model_dump_json(), str(cache_dir))
    with _instances_lock:
        llm = _instances.get(key)
        if llm is None:
            backend = resolve_backend(settings)
            if backend == "openai":
                from generation.openai_llm import OpenAICompatibleLLM

                llm = OpenAICompatibleLLM(settings)
            elif backend == "llamacpp":
                from generation.llamacpp_llm import LlamaCppLLM

                llm = LlamaCppLLM(settings)
            else:
                from generation.transformers_llm import TransformersLLM

                llm = TransformersLLM(settings, cache_dir=Path(settings.cache_dir or cache_dir))
            _instances[key] = llm
        return llm
