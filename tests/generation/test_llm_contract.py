"""The same contract for every backend: the local transformers model, llama.cpp on the same GGUF (where the extra is
installed) and the OpenAI-compatible client pointed at a real local HTTP server."""

from __future__ import annotations

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from generation.llm import LLM

pytestmark = pytest.mark.slow

QUESTION = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]


BACKENDS = {"transformers": "local_llm", "openai": "remote_llm", "llamacpp": "llamacpp_llm"}


@pytest.fixture(params=list(BACKENDS))
def llm(request) -> LLM:
    return request.getfixturevalue(BACKENDS[request.param])


def test_stream_yields_text_pieces_and_complete_matches(llm: LLM):
    pieces = list(llm.stream(QUESTION, max_tokens=12, temperature=0))
    assert pieces and all(isinstance(p, str) and p for p in pieces)
    text = "".join(pieces)
    assert "Paris" in text
    # greedy decoding is deterministic, and complete() is the joined stream
    assert llm.complete(QUESTION, max_tokens=12, temperature=0) == text


def test_max_tokens_bounds_the_answer(llm: LLM, local_llm):
    text = llm.complete([{"role": "user", "content": "Write a long story about a dragon."}], max_tokens=5)
    assert text.strip()
    assert local_llm.count_tokens(text) <= 6  # re-tokenizing a cut answer may differ by one


def test_stop_string_cuts_the_answer_and_is_not_included(llm: LLM):
    messages = [{"role": "user", "content": "Count from 1 to 10, separated by commas."}]
    full = llm.complete(messages, max_tokens=10, temperature=0)
    assert "4" in full, full
    cut = llm.complete(messages, max_tokens=10, temperature=0, stop=["4"])
    assert "4" not in cut
    assert full.startswith(cut)


def test_capabilities(llm: LLM):
    assert isinstance(llm.supports_tools, bool)
    assert llm.context_window >= 2048


def test_langchain_invoke_and_stream(llm: LLM):
    chat = llm.as_chat_model(max_tokens=6, temperature=0)
    messages = [SystemMessage("You are a helpful assistant."), HumanMessage("What is the capital of France?")]
    answer = chat.invoke(messages)
    assert answer.content.strip()
    streamed = "".join(chunk.content for chunk in chat.stream(messages))
    assert streamed == answer.content  # same greedy answer through both LangChain paths


def test_bad_messages_are_rejected_clearly(llm: LLM):
    from generation.errors import GenerationError

    with pytest.raises(GenerationError, match="role"):
        llm.complete([{"role": "wizard", "content": "hi"}], max_tokens=3)


def test_tool_support_comes_from_the_template(local_llm, llamacpp_llm):
    # SmolLM2's ChatML template ignores tools: both local backends say so, and chat(tools=...) answers in text
    weather = {
        "name": "get_weather",
        "description": "Weather",
        "parameters": {"type": "object", "properties": {}},
    }
    for llm in (local_llm, llamacpp_llm):
        assert llm.supports_tools is False
        result = llm.chat(QUESTION, tools=[weather], max_tokens=8, temperature=0)
        assert result.tool_calls == [] and "Paris" in result.text


def test_auto_backend_is_llama_cpp_for_a_gguf_only_where_its_extra_is_installed(monkeypatch) -> None:
    import importlib.util

    from generation.backends import resolve_backend
    from generation.config import LLMSettings

    real_find_spec = importlib.util.find_spec
    for installed in (True, False):
        monkeypatch.setattr(
            importlib.util,
            "find_spec",
            lambda name, *a, _i=installed: (
                (object() if _i else None) if name == "llama_cpp" else real_find_spec(name, *a)
            ),
        )
        expected = "llamacpp" if installed else "transformers"
        assert resolve_backend(LLMSettings()) == expected
        assert resolve_backend(LLMSettings(model="/models/x.gguf")) == expected
        assert resolve_backend(LLMSettings(model="/models/safetensors-folder")) == "transformers"
    assert resolve_backend(LLMSettings(backend="openai")) == "openai"
