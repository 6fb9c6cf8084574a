"""A minimal OpenAI-compatible `/v1/chat/completions` server in front of any `LLM` (streaming SSE or one JSON answer).

Useful to share one local model between processes, and it is what the contract tests point `OpenAICompatibleLLM` at.
`tool_router(messages, tools) -> list[ToolCall] | None` lets a caller answer tool-enabled requests with tool calls
(the local tiny model cannot produce them itself).

    uvicorn.run(create_app(llm), host="127.0.0.1", port=8001)
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from generation.errors import GenerationError
from generation.llm import LLM, ToolCall

ToolRouter = Callable[[list[dict[str, Any]], list[dict[str, Any]]], list[ToolCall] | None]


class _Request(BaseModel):
    model: str = "local"
    messages: list[dict[str, Any]] = Field(min_length=1)
    max_tokens: int | None = Field(default=None, ge=1, le=4096)
    temperature: float | None = Field(default=None, ge=0, le=2)
    stop: list[str] | str | None = None
    stream: bool = False
    tools: list[dict[str, Any]] | None = None


def create_app(llm: LLM, tool_router: ToolRouter | None = None) -> FastAPI:
    """A FastAPI app serving `POST /v1/chat/completions` and `GET /v1/models` from `llm`."""
    app = FastAPI(title="mka LLM server")

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": llm.name, "object": "model", "owned_by": "local"}]}

    @app.post("/v1/chat/completions", response_model=None)
    def completions(req: _Request) -> Any:
        stop = [req.stop] if isinstance(req.stop, str) else req.stop
        cid = f"chatcmpl-{uuid.uuid4().hex[:12]}"
        created = int(time.time())
        if req.tools and tool_router is not None:
            calls = tool_router(req.messages, req.tools)
            if calls:
                message = {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                        }
                        for c in calls
                    ],
                }
                return {
                    "id": cid,
                    "object": "chat.completion",
                    "created": created,
                    "model": req.model,
                    "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
                }
        try:
            pieces = llm.stream(
                req.messages, max_tokens=req.max_tokens, temperature=req.temperature, stop=stop
            )
        except GenerationError as exc:
            raise HTTPException(400, exc.message) from exc
        if not req.stream:
            try:
                text = "".join(pieces)
            except GenerationError as exc:
                return JSONResponse({"error": {"message": exc.message}}, status_code=500)
            return {
                "id": cid,
                "object": "chat.completion",
                "created": created,
                "model": req.model,
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                ],
            }

        def events() -> Iterator[str]:
            def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
                body = {
                    "id": cid,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": req.model,
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
                }
                return f"data: {json.dumps(body)}\n\n"

            yield chunk({"role": "assistant"})
            try:
                for piece in pieces:
                    yield chunk({"content": piece})
            except GenerationError as exc:
                yield f"data: {json.dumps({'error': {'message': exc.message}})}\n\n"
                return
            yield chunk({}, "stop")
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return app
