"""Any `LLM` as a LangChain chat model: `llm.as_chat_model().invoke(...)`, `.stream(...)`, and `.bind_tools(...)`
when the backend supports tool calling."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict

# An OpenAI-style message, as `generation.llm.LLM` takes them (not imported: the seam imports this adapter).
Message = dict[str, Any]


def to_messages(messages: Sequence[BaseMessage]) -> list[Message]:
    """LangChain messages -> the OpenAI-style dicts `LLM` takes."""
    out: list[Message] = []
    for m in messages:
        content = (
            m.content
            if isinstance(m.content, str)
            else " ".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in m.content)
        )
        if isinstance(m, SystemMessage):
            role = "system"
        elif isinstance(m, HumanMessage):
            role = "user"
        elif isinstance(m, AIMessage):
            role = "assistant"
        elif isinstance(m, ToolMessage):
            role = "tool"
        elif isinstance(m, ChatMessage):
            role = m.role
        else:
            role = "user"
        out.append({"role": role, "content": content})
    return out


class LLMChatModel(BaseChatModel):
    """A LangChain `BaseChatModel` over one of our `LLM` backends (no second model is loaded)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    llm: Any  # generation.llm.LLM (Any: pydantic cannot validate an ABC instance field cheaply)
    max_tokens: int | None = None
    temperature: float | None = None

    @property
    def _llm_type(self) -> str:
        return f"mka-{type(self.llm).__name__}"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model": getattr(self.llm, "name", "llm"), "max_tokens": self.max_tokens}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        llm = self.llm  # a generation.llm.LLM
        tools = kwargs.get("tools")
        if tools and llm.supports_tools:
            result = llm.chat(
                to_messages(messages), tools=tools, max_tokens=self.max_tokens, temperature=self.temperature
            )
            message = AIMessage(
                content=result.text,
                tool_calls=[{"name": c.name, "args": c.arguments, "id": c.id} for c in result.tool_calls],
            )
        else:
            text = llm.complete(
                to_messages(messages), max_tokens=self.max_tokens, temperature=self.temperature, stop=stop
            )
            message = AIMessage(content=text)
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        llm = self.llm  # a generation.llm.LLM
        for piece in llm.stream(
            to_messages(messages), max_tokens=self.max_tokens, temperature=self.temperature, stop=stop
        ):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        """Offer tools to the model. A backend without tool calling answers in text (no tool calls)."""
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)
