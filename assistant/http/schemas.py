"""Request bodies of the HTTP API (their JSON schemas are the OpenAPI page's)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class ChatRequest(BaseModel):
    message: str = Field(description="What the user asks.")
    session_id: str | None = Field(default=None, description="Continue this conversation; omit to start one.")
    stream: bool = Field(
        default=True, description="Server-sent events (token, citation, tool_call, done) or one Reply."
    )
    customer_token: str | None = Field(default=None, description="The shop-signed customer token, if any.")
    contact: str | None = Field(
        default=None,
        max_length=200,
        description="How a person can reach the customer (e-mail or phone), if given.",
    )
    request_id: str | None = Field(
        default=None,
        max_length=100,
        description="The client's id for this message: a retry with the same id, on any server, is stored once.",
    )


class CopyRequest(BaseModel):
    skus: list[str] = Field(min_length=1, description="Products the copy is about.")
    channel: str = Field(description="google-rsa | meta | email | sms | x (generation/channels.yaml)")
    variants: int = Field(default=3, ge=1, le=10)
    brief_id: str | None = Field(default=None, description="A campaign brief, e.g. 'winter-trail-2026'.")
    segment: str | None = Field(default=None, description="The customer segment the copy is for.")


class FeedbackRequest(BaseModel):
    session_id: str
    turn_id: int
    rating: Literal[1, -1]
    comment: str | None = Field(default=None, max_length=2000)


class HandoffRequest(BaseModel):
    session_id: str
    contact: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=2000)


class LoginRequest(BaseModel):
    username: str
    password: str
