"""install_protections on a small FastAPI app: body limits, JSON guard, headers, CORS, rate limit, error mapping."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi import FastAPI, File, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.testclient import TestClient
from pydantic import BaseModel

from assistant.errors import BadInput, Forbidden, NotTrained, RateLimited, Unavailable
from assistant.http.middleware import install_protections, json_depth_exceeds
from assistant.settings import Settings


class Message(BaseModel):
    message: str
    meta: dict = {}


def build_app(settings: Settings) -> FastAPI:
    app = FastAPI()
    install_protections(app, settings)

    @app.post("/v1/echo")
    def echo(body: Message) -> dict:
        return {"message": body.message}

    @app.post("/v1/upload")
    async def upload(file: UploadFile = File(...)) -> dict:
        data = await file.read()
        return {"size": len(data)}

    @app.get("/v1/boom")
    def boom() -> dict:
        raise RuntimeError("secret detail for jane@example.com at /srv/app.py")

    @app.get("/v1/error/{kind}")
    def error(kind: str) -> dict:
        raise {
            "bad": BadInput("the message is empty"),
            "forbidden": Forbidden("not for customers"),
            "limited": RateLimited("slow down", retry_after=7),
            "down": Unavailable("the language model is not answering", retry_after=12),
            "untrained": NotTrained("run mka model train"),
        }[kind]

    @app.get("/v1/backend/{kind}")
    def backend(kind: str) -> dict:
        from generation.errors import BackendUnavailable
        from retrieval.errors import IndexUnavailable

        if kind == "llm":
            raise BackendUnavailable("LLM server http://10.0.0.9:8000/v1 is unreachable")
        raise IndexUnavailable("cannot open the Chroma index at 10.0.0.9:8000")

    @app.get("/v1/stream")
    def stream() -> StreamingResponse:
        return StreamingResponse(iter(["a", "b"]), media_type="text/event-stream")

    @app.get("/", response_class=HTMLResponse)
    def page() -> str:
        return "<html>chat</html>"

    @app.get("/widget/demo", response_class=HTMLResponse)
    def widget_demo() -> str:
        return "<html>widget</html>"

    @app.get("/assets/index.js")
    def asset() -> str:
        return "js"

    @app.get("/public.js")
    def public() -> JSONResponse:
        return JSONResponse("js", headers={"Access-Control-Allow-Origin": "*"})

    app.mount("/mounted", _gradio_like_app())
    return app


def _gradio_like_app():
    """A mounted app behind Gradio's own CORS middleware, as `gr.mount_gradio_app` builds it."""
    from gradio.route_utils import CustomCORSMiddleware
    from starlette.applications import Starlette
    from starlette.routing import Route

    inner = Starlette(
        routes=[Route("/config", lambda _r: JSONResponse({"ids": [1, 2]}), methods=["GET", "POST"])]
    )
    return CustomCORSMiddleware(inner, strict_cors=True, parent_app=None)


@pytest.fixture
def client(settings: Settings) -> TestClient:
    settings.limits.max_body_bytes = 2048
    settings.limits.max_upload_bytes = 8192
    settings.limits.rate_per_minute_client = 1000
    settings.cors_origins = ["https://shop.example"]
    return TestClient(build_app(settings), raise_server_exceptions=False)


def test_ordinary_request_passes(client):
    response = client.post("/v1/echo", json={"message": "hello"})
    assert response.status_code == 200 and response.json() == {"message": "hello"}


def test_body_too_large_by_content_length(client):
    response = client.post("/v1/echo", json={"message": "x" * 5000})
    assert response.status_code == 413
    assert "too large" in response.json()["error"]


def test_body_too_large_when_streamed_without_length(client):
    def chunks():
        for _ in range(10):
            yield b'{"message": "' + b"x" * 500 + b'"}'

    response = client.post("/v1/echo", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "too large" in response.json()["error"]


def test_body_lying_content_length_header(client):
    response = client.post(
        "/v1/echo", content=b"{}", headers={"content-type": "application/json", "content-length": "abc"}
    )
    assert response.status_code == 400 and "Content-Length" in response.json()["error"]


def test_invalid_utf8_is_400(client):
    response = client.post(
        "/v1/echo", content=b'{"message": "\xff\xfe bad"}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400 and "UTF-8" in response.json()["error"]


def test_binary_body_is_400(client):
    response = client.post(
        "/v1/echo", content=b"{\x00\x01\x02}", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400


def test_malformed_json_is_400(client):
    response = client.post("/v1/echo", content=b'{"message": ', headers={"content-type": "application/json"})
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]


def test_deeply_nested_json_is_400(client):
    body = '{"message": "hi", "meta": ' + '{"a": ' * 40 + "1" + "}" * 40 + "}"
    assert len(body) < 2048
    response = client.post("/v1/echo", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400 and "nested" in response.json()["error"]


def test_depth_scan_ignores_brackets_in_strings():
    assert not json_depth_exceeds(json.dumps({"text": "[" * 100}), limit=5)
    assert json_depth_exceeds("[" * 6 + "]" * 6, limit=5)


def test_empty_and_wrong_bodies_are_readable_4xx(client):
    for kwargs in ({"content": b""}, {"json": {}}, {"json": {"message": 5}}, {"json": []}):
        response = client.post("/v1/echo", headers={"content-type": "application/json"}, **kwargs)
        assert 400 <= response.status_code < 500, kwargs
        assert "message" in response.json()["error"] or "body" in response.json()["error"]


def test_upload_limit_uses_upload_size(client):
    assert client.post("/v1/upload", files={"file": ("a.txt", b"x" * 4000)}).json() == {"size": 4000}
    response = client.post("/v1/upload", files={"file": ("a.txt", b"x" * 9000)})
    assert response.status_code == 413


def test_upload_limit_when_streamed(settings):
    """Multipart without Content-Length: the byte counter on the stream stops it."""
    settings.limits.max_body_bytes = 2048
    settings.limits.max_upload_bytes = 4096
    client = TestClient(build_app(settings), raise_server_exceptions=False)
    boundary = "xyz"
    payload = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'.encode()
        + b"x" * 9000
        + f"\r\n--{boundary}--\r\n".encode()
    )

    def chunks():
        for i in range(0, len(payload), 1000):
            yield payload[i : i + 1000]

    response = client.post(
        "/v1/upload", content=chunks(), headers={"content-type": f"multipart/form-data; boundary={boundary}"}
    )
    assert response.status_code == 413


def test_security_headers_on_every_response(client):
    for method, path in [("get", "/"), ("get", "/v1/error/bad"), ("get", "/v1/boom"), ("get", "/nope")]:
        response = getattr(client, method)(path)
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert "default-src 'self'" in headers["content-security-policy"], path
        assert "object-src 'none'" in headers["content-security-policy"], path
        assert headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        assert "camera=()" in headers["permissions-policy"], path
    too_big = client.post("/v1/echo", json={"message": "x" * 5000})
    assert too_big.headers["x-content-type-options"] == "nosniff"


def test_widget_demo_is_frameable_by_shop_origins_only(client):
    headers = client.get("/widget/demo").headers
    assert "x-frame-options" not in headers
    assert "frame-ancestors 'self' https://shop.example" in headers["content-security-policy"]


def test_cors_allows_configured_origin_only(client):
    ok = client.options(
        "/v1/echo", headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
    )
    assert ok.headers.get("access-control-allow-origin") == "https://shop.example"
    evil = client.options(
        "/v1/echo", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in evil.headers
    simple = client.post("/v1/echo", json={"message": "hi"}, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in simple.headers
    # Errors from the protections still carry CORS headers, so the widget can read them.
    big = client.post("/v1/echo", json={"message": "x" * 5000}, headers={"Origin": "https://shop.example"})
    assert big.status_code == 413 and big.headers.get("access-control-allow-origin") == "https://shop.example"


@pytest.mark.parametrize(
    "origin", ["http://localhost:9999", "http://127.0.0.1:1", "https://evil.example", "null"]
)
@pytest.mark.parametrize("host", ["127.0.0.1:8000", "shop.example.com"])
def test_a_mounted_app_cannot_answer_other_origins_with_credentials(client, origin, host):
    for method in ("GET", "POST"):
        response = client.request(method, "/mounted/config", headers={"Origin": origin, "Host": host})
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers, response.headers
        assert "access-control-allow-credentials" not in response.headers
    preflight = client.options(
        "/mounted/config", headers={"Origin": origin, "Host": host, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-credentials" not in preflight.headers


def test_the_one_policy_still_serves_listed_origins_and_public_files(client):
    listed = client.get("/mounted/config", headers={"Origin": "https://shop.example"})
    assert listed.headers["access-control-allow-origin"] == "https://shop.example"
    assert "access-control-allow-credentials" not in listed.headers
    assert client.get("/public.js").headers["access-control-allow-origin"] == "*"


def test_client_rate_limit(settings):
    settings.limits.rate_per_minute_client = 5
    client = TestClient(build_app(settings), raise_server_exceptions=False)
    for _ in range(5):
        assert client.post("/v1/echo", json={"message": "hi"}).status_code == 200
    for _ in range(20):  # static assets of a page load are not counted
        assert client.get("/assets/index.js").status_code == 200
    response = client.post("/v1/echo", json={"message": "hi"})
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) >= 1
    assert "too many requests" in response.json()["error"]
    assert response.headers["x-content-type-options"] == "nosniff"
    other = TestClient(build_app(settings), raise_server_exceptions=False, client=("10.0.0.2", 1234))
    assert other.post("/v1/echo", json={"message": "hi"}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/chat/gradio_api/run/x.js",
        "/docs/catalog.csv%23.js",
        "/v1/echo.css",
        "/gradio_api/file=/x.png",
        "/a.woff2",
    ],
)
def test_no_path_escapes_the_rate_limit_by_its_suffix(settings, path):
    settings.limits.rate_per_minute_client = 3
    client = TestClient(build_app(settings), raise_server_exceptions=False)
    statuses = [client.post(path).status_code for _ in range(3)] + [client.get(path).status_code]
    assert statuses[-1] == 429 and 429 not in statuses[:3]


def test_assets_have_their_own_bucket_and_it_is_bounded(settings):
    from assistant.http.middleware import ASSET_RATE_FACTOR, is_asset_request

    assert is_asset_request("GET", "/chat/assets/index-1.js") and is_asset_request("HEAD", "/static/a.css")
    assert not is_asset_request("POST", "/assets/index.js")
    assert not is_asset_request("GET", "/chat/gradio_api/run/assets/x.js")
    settings.limits.rate_per_minute_client = 2
    client = TestClient(build_app(settings), raise_server_exceptions=False)
    codes = [client.get("/assets/index.js").status_code for _ in range(2 * ASSET_RATE_FACTOR + 1)]
    assert codes[-1] == 429 and 429 not in codes[:-1]
    assert client.post("/v1/echo", json={"message": "hi"}).status_code == 200  # the API bucket is untouched


@pytest.mark.parametrize(
    ("kind", "status", "retry_after"),
    [
        ("bad", 400, None),
        ("forbidden", 403, None),
        ("limited", 429, "7"),
        ("down", 503, "12"),
        ("untrained", 503, "30"),
    ],
)
def test_assistant_errors_map_to_status(client, kind, status, retry_after):
    response = client.get(f"/v1/error/{kind}")
    assert response.status_code == status
    assert set(response.json()) == {"error"} and response.json()["error"]
    assert response.headers.get("retry-after") == retry_after


def test_unexpected_error_is_500_without_details(client, caplog):
    with caplog.at_level(logging.ERROR, logger="assistant.http"):
        response = client.get("/v1/boom")
    assert response.status_code == 500
    assert response.json() == {"error": "internal error"}
    assert "secret detail" not in response.text and "Traceback" not in response.text
    logged = "\n".join((r.getMessage() + (r.exc_text or "")) for r in caplog.records)
    assert "RuntimeError" in logged and "Traceback" in logged  # the traceback is logged...
    assert "jane@example.com" not in logged  # ...redacted


def test_unknown_route_and_method(client):
    assert client.get("/nope").status_code == 404 and "error" in client.get("/nope").json()
    assert client.get("/v1/echo").status_code == 405


def test_streaming_response_passes(client):
    response = client.get("/v1/stream")
    assert response.status_code == 200 and response.text == "ab"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_middleware_added_later_is_still_covered(settings):
    """An app's own middleware added after install_protections (a login guard, say) answers with the headers too."""
    app = build_app(settings)

    @app.middleware("http")
    async def guard(request, call_next):
        if request.url.path.startswith("/private"):
            return JSONResponse({"error": "login required"}, status_code=401)
        return await call_next(request)

    response = TestClient(app).get("/private/page")
    assert response.status_code == 401
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("kind", ["llm", "index"])
def test_backend_down_is_503_with_retry_after_and_a_person(client, kind):
    response = client.get(f"/v1/backend/{kind}")
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) >= 1
    error = response.json()["error"]
    assert "temporarily unavailable" in error and "person" in error
    assert "10.0.0.9" not in error  # where the backend lives is for the log, not for the caller
