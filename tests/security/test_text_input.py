"""Property tests (hypothesis): input that is not text is refused in every request model and at every JSON endpoint.

For each string field of each request model (found from the models' JSON schemas, so a new field is covered without
editing this file): a value holding a lone surrogate, a NUL or another control character fails validation naming
the field; ordinary text (any letters, marks, punctuation, symbols, spaces, tabs and line breaks) passes. Over HTTP, the
same values sent as JSON escapes (``"\\ud800"`` is valid JSON) are a 400 or 422 with a message, never a 5xx.

`make fuzz` runs these with MKA_FUZZ_EXAMPLES=300.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr, ValidationError

from assistant.errors import BadInput
from assistant.http.app import create_app
from assistant.http.schemas import REQUEST_MODELS, ChatRequest, Request
from assistant.security import check_upload_text, text_problem
from assistant.settings import Settings
from tests.ui.fake_assistant import FakeAssistant

EXAMPLES = int(os.environ.get("MKA_FUZZ_EXAMPLES", "20"))  # make test; make fuzz: 300
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)

# A minimal valid body per model; the string fields are then replaced one at a time.
VALID: dict[str, dict[str, Any]] = {
    "ChatRequest": {"message": "hi", "stream": False},
    "CopyRequest": {"skus": ["A1"], "channel": "sms"},
    "FeedbackRequest": {"session_id": "abc123", "turn_id": 1, "rating": 1},
    "HandoffRequest": {"session_id": "abc123", "contact": "ann@example.com"},
    "LoginRequest": {"username": "marketer", "password": "pw"},
}
ENDPOINTS = {
    "ChatRequest": "/v1/chat",
    "CopyRequest": "/v1/copy",
    "FeedbackRequest": "/v1/feedback",
    "HandoffRequest": "/v1/handoff",
    "LoginRequest": "/v1/login",
}
FREE_TEXT_LIMIT = 40  # examples stay under every field's max_length


def string_fields(model: type[Request]) -> list[tuple[str, bool]]:
    """(field name, is a list of strings) for every string-valued field of `model`, from its JSON schema."""
    out = []
    for name, prop in model.model_json_schema()["properties"].items():
        options = prop.get("anyOf", [prop])
        if any(o.get("type") == "string" for o in options):
            out.append((name, False))
        elif any(o.get("type") == "array" and o.get("items", {}).get("type") == "string" for o in options):
            out.append((name, True))
    return out


FIELDS = [(m, name, is_list) for m in REQUEST_MODELS for name, is_list in string_fields(m)]
bad_char = st.one_of(
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),  # lone surrogates
    st.characters(min_codepoint=0x00, max_codepoint=0x08),
    st.sampled_from(["\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9b"]),
)
clean = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), include_characters="\t\n\r"),
    min_size=1,
    max_size=FREE_TEXT_LIMIT,
).filter(lambda s: s.strip())


@st.composite
def not_text(draw: st.DrawFn) -> str:
    """Ordinary text with one character that is not text somewhere in it."""
    left, right = draw(clean | st.just("")), draw(clean | st.just(""))
    return (left + draw(bad_char) + right)[: FREE_TEXT_LIMIT * 2 + 1]


def test_every_model_and_string_field_is_covered() -> None:
    assert {m.__name__ for m in REQUEST_MODELS} == set(VALID) == set(ENDPOINTS)
    assert len(FIELDS) >= 10, FIELDS


def _body(model: type[Request], name: str, is_list: bool, value: str) -> dict[str, Any]:
    return {**VALID[model.__name__], name: [value] if is_list else value}


@pytest.mark.parametrize(
    ("model", "name", "is_list"), FIELDS, ids=[f"{m.__name__}.{n}" for m, n, _ in FIELDS]
)
@PROPERTY
@given(value=not_text())
def test_models_refuse_what_is_not_text(model: type[Request], name: str, is_list: bool, value: str) -> None:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(_body(model, name, is_list, value))
    assert name in {str(e["loc"][0]) for e in caught.value.errors()}


@pytest.mark.parametrize(
    ("model", "name", "is_list"),
    [f for f in FIELDS if f[1] != "session_id"],  # session ids have their own alphabet
    ids=[f"{m.__name__}.{n}" for m, n, _ in FIELDS if n != "session_id"],
)
@PROPERTY
@given(value=clean)
def test_models_accept_ordinary_text(model: type[Request], name: str, is_list: bool, value: str) -> None:
    if is_list:
        value = value[:60]
    model.model_validate(_body(model, name, is_list, value))


@PROPERTY
@given(value=clean)
def test_the_rule_and_the_model_agree(value: str) -> None:
    assert text_problem(value) is None
    assert ChatRequest(message=value).message == value


@PROPERTY
@given(value=not_text())
def test_uploads_refuse_what_is_not_text(value: str) -> None:
    data = value.encode("utf-8", "surrogatepass")  # a surrogate this way is invalid UTF-8, as on disk
    with pytest.raises(BadInput) as caught:
        check_upload_text("notes.md", data, max_line_chars=50_000)
    assert "UTF-8" in str(caught.value) or "control character" in str(caught.value)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    s = Settings(data_dir=tmp_path_factory.mktemp("text") / "var", _env_file=None)
    s.marketer_api_keys = [SecretStr("text-key")]
    s.limits.rate_per_minute_client = 10**9
    s.limits.rate_per_minute_session = 10**9
    return TestClient(create_app(s, FakeAssistant(s)), raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("model", "name", "is_list"), FIELDS, ids=[f"{m.__name__}.{n}" for m, n, _ in FIELDS]
)
@PROPERTY
@given(value=not_text())
def test_endpoints_answer_4xx_with_a_message(
    client: TestClient, model: type[Request], name: str, is_list: bool, value: str
) -> None:
    raw = json.dumps(_body(model, name, is_list, value))  # ensure_ascii: surrogates travel as \\udXXX escapes
    for headers in ({}, {"Authorization": "Bearer text-key"}):
        response = client.post(
            ENDPOINTS[model.__name__], content=raw, headers={"content-type": "application/json", **headers}
        )
        assert response.status_code in (400, 422), (response.status_code, response.text[:300])
        assert response.json()["error"]
