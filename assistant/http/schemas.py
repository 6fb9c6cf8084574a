"""Request bodies of the HTTP API (their JSON schemas are the OpenAPI page's).

Every string in a request is `Text` (or an id with a pattern): a lone surrogate, a NUL or another control character
is a 422 naming the field, before any route, model or tokenizer sees it. Unknown fields are refused too, so a
misspelt option (or a token in the body, which belongs in the ``X-Customer-Token`` header) is an error, not ignored.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path as PathParam
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from assistant.security import text_problem


def _text(value: str) -> str:
    # Lengths are each field's max_length (and the message's limit in settings); lines matter in uploads.
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


Text = Annotated[str, AfterValidator(_text)]
# A name in a URL path (a customer id, a segment): text, and short.
PathName = Annotated[Text, PathParam(min_length=1, max_length=128)]
# Session ids are the store's random hex; anything else cannot name a session.
SessionId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class Request(BaseModel):
    # strict: a wrong type is an error ("yes" is not a boolean, "1" not a turn id), never quietly coerced
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _no_token_in_body(cls, data: Any) -> Any:
        if isinstance(data, dict) and "customer_token" in data:
            raise ValueError(
                "send the customer token in the X-Customer-Token header, not in the request body"
            )
        return data


class ChatRequest(Request):
    message: Text = Field(max_length=20_000, description="What the user asks.")
    session_id: SessionId | None = Field(
        default=None, description="Continue this conversation; omit to start one."
    )
    stream: bool = Field(
        default=True, description="Server-sent events (token, citation, tool_call, done) or one Reply."
    )
    contact: Text | None = Field(
        default=None,
        max_length=200,
        description="How a person can reach the customer (e-mail or phone), if given.",
    )
    request_id: Text | None = Field(
        default=None,
        max_length=100,
        description="The client's id for this message: a retry with the same id, on any server, is stored once.",
    )


class CopyRequest(Request):
    skus: list[Annotated[Text, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=50, description="Products the copy is about."
    )
    channel: Text = Field(
        max_length=40, description="google-rsa | meta | email | sms | x (generation/channels.yaml)"
    )
    variants: int = Field(default=3, ge=1, le=10)
    brief_id: Text | None = Field(
        default=None, max_length=200, description="A campaign brief, e.g. 'winter-trail-2026'."
    )
    segment: Text | None = Field(
        default=None, max_length=200, description="The customer segment the copy is for."
    )
    discount: Text | None = Field(
        default=None,
        max_length=200,
        description="A discount or offer to state ('20% off'); questioned unless the brief grants it.",
    )
    claims: list[Annotated[Text, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list,
        max_length=10,
        description="Claims the copy should make, checked against the facts.",
    )
    confirmed: bool = Field(
        default=False,
        description="Draft without what the brief does not grant (after a 'questioned' outcome).",
    )


class CopyCheckRequest(Request):
    """A copy request to check before drafting: the brief as the marketer names it, and what they ask for."""

    request: Text = Field(default="", max_length=2000, description="The request in the marketer's words.")
    brief: Text | None = Field(default=None, max_length=200, description="A brief's id or name, as named.")
    channel: Literal["google-rsa", "meta", "email", "sms", "x"] | None = None
    skus: list[Annotated[Text, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=50
    )
    segment: Text | None = Field(default=None, max_length=200)
    customer_id: Text | None = Field(default=None, max_length=64)
    discount: Text | None = Field(default=None, max_length=200)
    claims: list[Annotated[Text, Field(min_length=1, max_length=200)]] = Field(
        default_factory=list, max_length=10
    )
    confirmed: bool = False


class FeedbackRequest(Request):
    session_id: SessionId
    turn_id: int = Field(ge=1, le=2**62)
    rating: Literal[1, -1]
    comment: Text | None = Field(default=None, max_length=2000)


class HandoffRequest(Request):
    session_id: SessionId
    contact: Text | None = Field(
        default=None,
        max_length=200,
        description="How the shop's staff can reach you (email or phone); needed unless the shop identified you.",
    )
    reason: Text | None = Field(default=None, max_length=2000)


class LoginRequest(Request):
    username: Text = Field(max_length=200)
    password: Text = Field(max_length=1024)


REQUEST_MODELS: tuple[type[Request], ...] = (
    ChatRequest,
    CopyRequest,
    FeedbackRequest,
    HandoffRequest,
    LoginRequest,
)
