"""`TransformersLLM` tool calling end to end, per model family: a tiny model taught to call a tool in its family's
syntax, prompted through the family's real chat template, parsed into `ToolCall`s (or refused when malformed)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import torch

from generation.config import LLMSettings
from generation.errors import BackendBusy
from generation.tinymodel import Lesson, teach, tiny_llama, tiny_tokenizer
from generation.toolcalls import MalformedToolCall
from generation.transformers_llm import TransformersLLM

FIXTURES = Path(__file__).parent / "fixtures"
WEATHER = {
    "name": "get_weather",
    "description": "The weather forecast for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]
GREET = [{"role": "user", "content": "Say hello."}]
BROKEN = [{"role": "user", "content": "What is the weather in Rome?"}]
# What each family's models write for the same call (see fixtures/recorded_tool_calls.json for real outputs).
FAMILIES = {
    "qwen2.5": (
        "qwen2_5_instruct.jinja",
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": </tool_call>',
    ),
    "llama3.1": (
        "llama3_1_instruct.jinja",
        '{"name": "get_weather", "parameters": {"city": "Paris"}}',
        '{"name": "get_weather", "parameters": {"city": "Ro',
    ),
    "mistral": (
        "mistral_7b_instruct_v0_3.jinja",
        '[TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Paris"}}]',
        '[TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Rome"}',
    ),
}

pytestmark = pytest.mark.slow  # each family teaches a tiny model (a few seconds on one core)


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module", params=list(FAMILIES))
def family_llm(request):
    template, call, broken = FAMILIES[request.param]
    tokenizer = tiny_tokenizer((FIXTURES / template).read_text(), family=request.param)
    model = tiny_llama(tokenizer, seed=3)
    tools = [{"type": "function", "function": WEATHER}]
    teach(
        model,
        tokenizer,
        [
            Lesson(ASK, call, tools),
            Lesson(BROKEN, broken, tools),
            Lesson(GREET, "Hello! How can I help you today?", None),
        ],
    )
    llm = TransformersLLM.from_model(model, tokenizer, LLMSettings(max_new_tokens=60))
    yield request.param, llm
    llm.close()


def test_the_template_decides_tool_support(family_llm):
    _, llm = family_llm
    assert llm.supports_tools is True


def test_the_model_s_call_comes_back_as_a_tool_call(family_llm):
    _, llm = family_llm
    result = llm.chat(ASK, tools=[WEATHER], temperature=0)
    assert [(c.name, c.arguments) for c in result.tool_calls] == [("get_weather", {"city": "Paris"})]
    assert result.finish_reason == "tool_calls"
    assert result.text == ""


def test_a_malformed_call_is_refused_not_half_used(family_llm):
    family, llm = family_llm
    with pytest.raises(MalformedToolCall) as caught:
        llm.chat(BROKEN, tools=[WEATHER], temperature=0)
    assert caught.value.raw == FAMILIES[family][2]  # the model's text as written, special tokens included
    assert caught.value.calls == []


def test_plain_answers_stay_text_with_or_without_tools(family_llm):
    _, llm = family_llm
    assert llm.complete(GREET, temperature=0) == "Hello! How can I help you today?"
    without = llm.chat(GREET, temperature=0)
    assert without.text == "Hello! How can I help you today?" and without.tool_calls == []


def test_streaming_and_stop_strings_on_the_taught_answer(family_llm):
    _, llm = family_llm
    pieces = list(llm.stream(GREET, max_tokens=40, temperature=0))
    assert len(pieces) > 1 and "".join(pieces) == "Hello! How can I help you today?"
    assert llm.complete(GREET, max_tokens=40, temperature=0, stop=["How"]) == "Hello! "
    assert llm.complete(GREET, max_tokens=40, temperature=0, stop=["!", "zzz"]) == "Hello"


def test_langchain_bind_tools_returns_the_call(family_llm):
    from langchain_core.messages import HumanMessage

    _, llm = family_llm
    chat = llm.as_chat_model(temperature=0).bind_tools([{"type": "function", "function": WEATHER}])
    message = chat.invoke([HumanMessage(ASK[0]["content"])])
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [("get_weather", {"city": "Paris"})]


def test_a_busy_model_answers_busy_with_a_retry_hint():
    tokenizer = tiny_tokenizer((FIXTURES / FAMILIES["qwen2.5"][0]).read_text())
    llm = TransformersLLM.from_model(tiny_llama(tokenizer), tokenizer, LLMSettings(max_batch=1, max_queue=0))
    try:
        running = llm.stream(GREET, max_tokens=3000)
        next(running)  # holds the only place
        with pytest.raises(BackendBusy) as busy:
            llm.complete(GREET, max_tokens=3)
        assert busy.value.retry_after >= 1
        running.close()  # the place frees at the scheduler's next step
        deadline = time.time() + 10
        while llm.scheduler.in_flight and time.time() < deadline:
            time.sleep(0.01)
        assert llm.complete(GREET, max_tokens=3)  # served again
    finally:
        llm.close()


def test_a_long_conversation_drops_old_turns_before_the_question():
    tokenizer = tiny_tokenizer((FIXTURES / FAMILIES["qwen2.5"][0]).read_text())
    model = tiny_llama(tokenizer)
    model.config.max_position_embeddings = 160  # a small context window
    llm = TransformersLLM.from_model(model, tokenizer)
    history = [{"role": "system", "content": "Be brief."}]
    for i in range(20):
        history += [
            {"role": "user", "content": f"old question number {i}"},
            {"role": "assistant", "content": f"old answer {i}"},
        ]
    history.append({"role": "user", "content": "the newest question"})
    try:
        ids = llm._prompt_ids(history, max_tokens=40)
        text = tokenizer.decode(ids)
        assert len(ids) <= 120
        assert text.startswith("<|im_start|>system\nBe brief.") and "the newest question" in text
        assert "old question number 0" not in text
    finally:
        llm.close()
