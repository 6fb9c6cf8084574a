"""Tool calling for local models: does a chat template take `tools`, and which calls did the model write?

A local model asks for a tool in text, in the syntax its chat template taught it. The families in use write:

- Hermes / Qwen 2.5 / Qwen 3:  ``<tool_call>{"name": "f", "arguments": {...}}</tool_call>`` (one block per call)
- Llama 3.1 / 3.2 / 3.3:      ``{"name": "f", "parameters": {...}}`` as the whole answer, sometimes after
                               ``<|python_tag|>``, several calls separated by ``;``
- Mistral (v0.3, Nemo, ...):   ``[TOOL_CALLS] [{"name": "f", "arguments": {...}, "id": "..."}]``

`parse_tool_calls` reads all three into the same `ToolCall`s the OpenAI-compatible backend returns. Text that starts
a call but does not finish one (bad JSON, no name, arguments that are not an object, a tool that was not offered)
raises `MalformedToolCall`, so the caller can handle that turn another way (the assistant routes it itself).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from generation.errors import BackendError
from generation.llm import ToolCall

# The markers that open a call in each family's syntax. A text holding one of them is a call, or a malformed one.
HERMES_OPEN, HERMES_CLOSE = "<tool_call>", "</tool_call>"
MISTRAL_MARKER = "[TOOL_CALLS]"
LLAMA_PYTHON_TAG = "<|python_tag|>"

_HERMES_BLOCK = re.compile(re.escape(HERMES_OPEN) + r"(.*?)(?:" + re.escape(HERMES_CLOSE) + r"|$)", re.DOTALL)
_DECODER = json.JSONDecoder()

_PROBE_TOOL = {
    "type": "function",
    "function": {
        "name": "probe_tool_support",
        "description": "A probe: whether the chat template renders tools at all.",
        "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
    },
}
_PROBE_MESSAGES = [{"role": "user", "content": "Which tools do you have?"}]


class MalformedToolCall(BackendError):
    """The model began a tool call it did not finish correctly. `raw` is the model's text; `calls` the calls that
    did parse (the caller may still decide to use them). Handle the turn without the model's tools."""

    def __init__(self, message: str, raw: str, calls: Sequence[ToolCall] = ()):
        super().__init__(message)
        self.raw = raw
        self.calls = list(calls)


@dataclass
class ParsedAnswer:
    """A model answer split into its prose and its tool calls."""

    text: str
    calls: list[ToolCall] = field(default_factory=list)


def wire_tools(tools: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tools in the OpenAI wire form ``{"type": "function", "function": {...}}`` (what chat templates expect)."""
    return [t if t.get("type") == "function" else {"type": "function", "function": t} for t in tools]


def tool_names(tools: Sequence[dict[str, Any]]) -> set[str]:
    return {str(t.get("function", t).get("name")) for t in tools}


def template_supports_tools(tokenizer: Any) -> bool:
    """Whether the tokenizer's chat template renders `tools`: the prompt with a probe tool differs from the prompt
    without it. A template that ignores tools (SmolLM2's) or fails with them counts as no tool support."""
    if not getattr(tokenizer, "chat_template", None):
        return False
    try:
        plain = tokenizer.apply_chat_template(_PROBE_MESSAGES, tokenize=False, add_generation_prompt=True)
        with_tools = tokenizer.apply_chat_template(
            _PROBE_MESSAGES, tools=[_PROBE_TOOL], tokenize=False, add_generation_prompt=True
        )
    except Exception:  # a template that raises on tools cannot be offered tools
        return False
    return with_tools != plain and _PROBE_TOOL["function"]["name"] in with_tools


def parse_tool_calls(text: str, offered: Sequence[dict[str, Any]] | None = None) -> ParsedAnswer:
    """Split `text` (decoded with special tokens kept) into prose and tool calls, whichever family wrote it.

    `offered` are the tools the model was given; a call to any other name is malformed. Raises `MalformedToolCall`
    when a call was started but cannot be read.
    """
    names = tool_names(offered) if offered else None
    if HERMES_OPEN in text:
        return _checked(*_parse_hermes(text), raw=text, names=names)
    if MISTRAL_MARKER in text:
        return _checked(*_parse_mistral(text), raw=text, names=names)
    stripped = text.strip()
    if stripped.startswith(LLAMA_PYTHON_TAG) or _looks_like_llama_json(stripped):
        return _checked(*_parse_llama(stripped), raw=text, names=names)
    return ParsedAnswer(text=text)


def _checked(
    prose: str, items: list[Any], problems: list[str], *, raw: str, names: set[str] | None
) -> ParsedAnswer:
    calls: list[ToolCall] = []
    for i, item in enumerate(items):
        call = _to_call(item, i, problems)
        if call is None:
            continue
        if names is not None and call.name not in names:
            problems.append(f"a call to {call.name!r}, which was not offered")
            continue
        calls.append(call)
    if problems or not calls:
        raise MalformedToolCall(
            "the model wrote a tool call that cannot be used: " + ("; ".join(problems) or "no call in it"),
            raw=raw,
            calls=calls,
        )
    return ParsedAnswer(text=prose.strip(), calls=calls)


def _to_call(item: Any, index: int, problems: list[str]) -> ToolCall | None:
    if not isinstance(item, dict):
        problems.append(f"call {index + 1} is not a JSON object")
        return None
    if isinstance(item.get("function"), dict):  # {"type": "function", "function": {...}} (some fine-tunes)
        item = {**item["function"], "id": item.get("id")}
    name = item.get("name")
    args = item.get("arguments", item.get("parameters", {}))
    if isinstance(args, str):  # OpenAI style: arguments as a JSON string
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError:
            problems.append(f"call {index + 1} has arguments that are not JSON")
            return None
    if not isinstance(name, str) or not name.strip():
        problems.append(f"call {index + 1} has no tool name")
        return None
    if not isinstance(args, dict):
        problems.append(f"call {index + 1} has arguments that are not an object")
        return None
    call_id = item.get("id")
    return ToolCall(id=str(call_id) if call_id else f"call_{index}", name=name.strip(), arguments=args)


def _parse_hermes(text: str) -> tuple[str, list[Any], list[str]]:
    items: list[Any] = []
    problems: list[str] = []
    for i, match in enumerate(_HERMES_BLOCK.finditer(text)):
        # An unclosed last block is fine when its JSON is whole (models often end with EOS instead of the tag);
        # a block cut short (max_tokens) fails as JSON below.
        body = match.group(1).strip()
        try:
            items.append(json.loads(body))
        except json.JSONDecodeError:
            problems.append(f"call {i + 1} is not valid JSON: {body[:60]!r}")
    return _HERMES_BLOCK.sub("", text), items, problems


def _parse_mistral(text: str) -> tuple[str, list[Any], list[str]]:
    prose, _, rest = text.partition(MISTRAL_MARKER)
    rest = rest.strip()
    try:
        value, end = _DECODER.raw_decode(rest)
    except json.JSONDecodeError:
        return prose, [], [f"the calls after {MISTRAL_MARKER} are not valid JSON: {rest[:60]!r}"]
    items = value if isinstance(value, list) else [value]
    return prose + rest[end:], items, []


def _looks_like_llama_json(text: str) -> bool:
    """A whole answer that is a JSON call: starts with ``{"name"`` or ``[{"name"`` (Llama 3.x custom tools)."""
    return bool(re.match(r'\[?\s*\{\s*"(name|function)"\s*:', text))


def _parse_llama(text: str) -> tuple[str, list[Any], list[str]]:
    body = text.removeprefix(LLAMA_PYTHON_TAG).strip()
    items: list[Any] = []
    problems: list[str] = []
    position = 0
    while position < len(body):
        try:
            value, end = _DECODER.raw_decode(body, position)
        except json.JSONDecodeError:
            problems.append(f"the call is not valid JSON: {body[position : position + 60]!r}")
            break
        items.extend(value if isinstance(value, list) else [value])
        position = end
        # Several calls come separated by ";" (Llama 3.2) or each after its own <|python_tag|> (Llama 3.1)
        while position < len(body):
            if body.startswith(LLAMA_PYTHON_TAG, position):
                position += len(LLAMA_PYTHON_TAG)
            elif body[position] in " \t\r\n;":
                position += 1
            else:
                break
    return "", items, problems
