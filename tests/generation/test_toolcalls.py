"""Tool calling for local models: which chat templates take tools, how they render them, and parsing the calls real
models wrote (recorded outputs) into `ToolCall`s, with malformed calls reported, never half-used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generation.tinymodel import tiny_tokenizer
from generation.toolcalls import MalformedToolCall, parse_tool_calls, template_supports_tools

FIXTURES = Path(__file__).parent / "fixtures"
TEMPLATES = {
    "qwen2.5": "qwen2_5_instruct.jinja",
    "llama3.1": "llama3_1_instruct.jinja",
    "mistral": "mistral_7b_instruct_v0_3.jinja",
}
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather forecast for a place",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}, "unit": {"type": "string"}},
            "required": ["location"],
        },
    },
}
ASK = [{"role": "user", "content": "What is the weather in San Francisco?"}]


def _template(family: str) -> str:
    return (FIXTURES / TEMPLATES[family]).read_text()


@pytest.fixture(scope="module")
def tokenizers():
    return {family: tiny_tokenizer(_template(family), family=family) for family in TEMPLATES}


def _bundled_template() -> str:
    """SmolLM2's own chat template, read from the bundled GGUF's metadata."""
    from gguf import GGUFReader

    from generation.transformers_llm import bundled_model_path

    field = GGUFReader(str(bundled_model_path())).fields["tokenizer.chat_template"]
    return bytes(field.parts[field.data[0]]).decode("utf-8")


# -- which templates take tools -----------------------------------------------------------------------------------
@pytest.mark.parametrize("family", list(TEMPLATES))
def test_tool_capable_templates_are_detected(tokenizers, family):
    assert template_supports_tools(tokenizers[family])


def test_the_bundled_models_template_ignores_tools():
    tokenizer = tiny_tokenizer(_bundled_template())
    assert "<|im_start|>" in tokenizer.apply_chat_template(ASK, tokenize=False)
    assert not template_supports_tools(tokenizer)


def test_a_tokenizer_without_template_has_no_tools(tokenizers):
    tokenizer = tiny_tokenizer(_template("qwen2.5"))
    tokenizer.chat_template = None
    assert not template_supports_tools(tokenizer)


@pytest.mark.parametrize(
    ("family", "marks"),
    [
        ("qwen2.5", ["<tools>", '"name": "get_weather"', "<tool_call>", "<|im_start|>assistant\n"]),
        ("llama3.1", ["Environment: ipython", '"name": "get_weather"', '"parameters"']),
        ("mistral", ["[AVAILABLE_TOOLS]", '"name": "get_weather"', "[/AVAILABLE_TOOLS][INST]"]),
    ],
)
def test_templates_render_the_offered_tools(tokenizers, family, marks):
    prompt = tokenizers[family].apply_chat_template(
        ASK, tools=[WEATHER], tokenize=False, add_generation_prompt=True
    )
    for mark in marks:
        assert mark in prompt, (family, mark)
    # the user's question is still in the prompt, once
    assert prompt.count("What is the weather in San Francisco?") == 1


def test_tiny_tokenizers_round_trip_text_and_keep_family_tokens(tokenizers):
    text = 'Grüße! <tool_call>\n{"name": "f", "arguments": {}}\n</tool_call>'
    qwen = tokenizers["qwen2.5"]
    assert qwen.decode(qwen(text, add_special_tokens=False)["input_ids"]) == text
    # Mistral's [TOOL_CALLS] is a control token: one id, dropped by skip_special_tokens, kept otherwise
    mistral = tokenizers["mistral"]
    ids = mistral("[TOOL_CALLS] [1]", add_special_tokens=False)["input_ids"]
    assert mistral.convert_ids_to_tokens(ids[0]) == "[TOOL_CALLS]"
    assert mistral.decode(ids, skip_special_tokens=True) == " [1]"


# -- recorded real model outputs ------------------------------------------------------------------------------------
RECORDED = json.loads((FIXTURES / "recorded_tool_calls.json").read_text())["cases"]


@pytest.mark.parametrize("case", RECORDED, ids=[c["model"] for c in RECORDED])
def test_recorded_model_outputs_parse_into_tool_calls(case):
    parsed = parse_tool_calls(case["text"], [WEATHER])
    assert [(c.name, c.arguments) for c in parsed.calls] == [
        (c["name"], c["arguments"]) for c in case["calls"]
    ]
    if not case["calls"]:
        assert parsed.text == case["text"]  # prose is left alone
    else:
        assert parsed.text == ""
        assert len({c.id for c in parsed.calls}) == len(parsed.calls)


def test_prose_around_a_hermes_call_is_kept():
    text = 'Let me look that up.\n<tool_call>\n{"name": "get_weather", "arguments": {"location": "Oslo"}}\n</tool_call>'
    parsed = parse_tool_calls(text, [WEATHER])
    assert parsed.text == "Let me look that up."
    assert parsed.calls[0].arguments == {"location": "Oslo"}


def test_arguments_as_a_json_string_and_an_unclosed_last_block_are_accepted():
    text = '<tool_call>{"name": "get_weather", "arguments": "{\\"location\\": \\"Rome\\"}"}'
    assert parse_tool_calls(text, [WEATHER]).calls[0].arguments == {"location": "Rome"}


def test_semicolon_separated_llama_calls():
    text = '{"name": "get_weather", "parameters": {"location": "A"}}; {"name": "get_weather", "parameters": {"location": "B"}}'
    assert [c.arguments["location"] for c in parse_tool_calls(text, [WEATHER]).calls] == ["A", "B"]


def test_mistral_call_ids_are_kept():
    text = '[TOOL_CALLS] [{"name": "get_weather", "arguments": {"location": "Bern"}, "id": "a1b2c3d4e"}]'
    assert parse_tool_calls(text, [WEATHER]).calls[0].id == "a1b2c3d4e"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('<tool_call>\n{"name": "get_weather", "arguments": {"location": "San Fr', "not valid JSON"),
        ("<tool_call>get_weather(location='Paris')</tool_call>", "not valid JSON"),
        ('<tool_call>{"arguments": {"location": "Paris"}}</tool_call>', "no tool name"),
        ('<tool_call>{"name": "get_weather", "arguments": ["Paris"]}</tool_call>', "not an object"),
        ('<tool_call>{"name": "get_weather", "arguments": "{location: Paris}"}</tool_call>', "not JSON"),
        ('<tool_call>{"name": "book_flight", "arguments": {}}</tool_call>', "not offered"),
        ("[TOOL_CALLS] [{'name': 'get_weather'}]", "not valid JSON"),
        ('<|python_tag|>{"name": "get_weather", "parameters": {"location": }', "not valid JSON"),
        (
            '{"name": "get_weather", "parameters": {"location": "Paris"}} and then some prose',
            "not valid JSON",
        ),
        ("<tool_call></tool_call>", "not valid JSON"),
        ('[TOOL_CALLS] ["get_weather"]', "not a JSON object"),
    ],
)
def test_malformed_calls_raise_with_the_raw_text(text, problem):
    with pytest.raises(MalformedToolCall, match=problem) as caught:
        parse_tool_calls(text, [WEATHER])
    assert caught.value.raw == text


def test_a_malformed_call_among_good_ones_still_raises_but_reports_the_good_ones():
    text = (
        '<tool_call>{"name": "get_weather", "arguments": {"location": "Lyon"}}</tool_call>\n'
        '<tool_call>{"name": "get_weather", "arguments": {"location": </tool_call>'
    )
    with pytest.raises(MalformedToolCall) as caught:
        parse_tool_calls(text, [WEATHER])
    assert [c.arguments for c in caught.value.calls] == [{"location": "Lyon"}]


def test_without_offered_tools_any_name_is_accepted():
    calls = parse_tool_calls('<tool_call>{"name": "anything", "arguments": {}}</tool_call>').calls
    assert calls[0].name == "anything"


@pytest.mark.parametrize(
    "text",
    [
        "The weather tool says it is sunny.",
        "Use {curly braces} like this: {x}",
        '```json\n{"location": "Paris"}\n```',  # a JSON answer that is not a call
        "",
    ],
)
def test_plain_answers_are_not_calls(text):
    parsed = parse_tool_calls(text, [WEATHER])
    assert parsed.calls == [] and parsed.text == text
