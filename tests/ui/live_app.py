"""One live app per test session for the browser tests: the real assistant, the real demo shop, uvicorn on loopback,
and one headless Debian Chromium driven by Playwright (never `playwright install`: nothing is downloaded).

The demo shop is bootstrapped into `var/test-e2e` (gitignored) with a small generated customer base; bootstrap steps
are fingerprinted, so later test runs reuse what is already built.
"""

from __future__ import annotations

import atexit
import functools
import http.server
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import REPO_ROOT, Settings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DATA_DIR = REPO_ROOT / "var" / "test-e2e"
SCREENSHOTS = REPO_ROOT / "tests" / "artifacts" / "screenshots"


@dataclass
class LiveApp:
    url: str
    settings: Settings
    assistant: Any
    shop_url: str  # another origin (a plain static server) whose page embeds the widget from `url`


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve_shop(port: int, app_url: str, lang: str = "de") -> str:
    """A fake shop on its own origin: a static page that embeds the widget with one script tag."""
    root = Path(tempfile.mkdtemp(prefix="mka-shop-"))
    (root / "index.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Other shop</title></head>"
        "<body><h1>Another shop</h1>"
        f"<script src='{app_url}/widget.js' data-color='#7a1f5c' data-position='left' data-lang='{lang}'></script>"
        "</body></html>",
        encoding="utf-8",
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    atexit.register(server.shutdown)
    return f"http://127.0.0.1:{port}"


@cache
def live_app() -> LiveApp:
    """Bootstrap the demo shop (once), build the real app and serve it on a free 127.0.0.1 port until exit."""
    from assistant import Assistant
    from assistant.bootstrap import prepare_demo
    from bench.service import LocalServer
    from ui.server import create_server

    shop_port = _free_port()
    settings = Settings(data_dir=DATA_DIR, cors_origins=[f"http://127.0.0.1:{shop_port}"], _env_file=None)
    # Every browser test of the run comes from 127.0.0.1: one visitor's per-address limit (120 a minute) would
    # refuse the suite's page loads, not a misbehaving client. The limit itself is tested in tests/security.
    settings.limits.rate_per_minute_client = 1200
    prepare_demo(settings, customers=200, progress=False)
    assistant = Assistant.from_settings(settings)
    server = LocalServer(create_server(settings, assistant))
    atexit.register(server.close)
    return LiveApp(server.url, settings, assistant, _serve_shop(shop_port, server.url))


def serve_refused_shop(app: LiveApp, lang: str) -> str:
    """A shop page on an origin the app does not allow (not in MKA_CORS_ORIGINS) that embeds the widget."""
    return _serve_shop(_free_port(), app.url, lang)


@cache
def browser() -> Any:
    """One headless Chromium for the session (closed at exit)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's chromium is missing ({CHROMIUM}): run scripts/install-browser.sh")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)

    def close() -> None:
        instance.close()
        playwright.stop()

    atexit.register(close)
    return instance


@contextmanager
def customer_page(timeout_ms: int, width: int = 1200, height: int = 800) -> Iterator[Any]:
    """A page in a fresh browser context (no cookies: a customer's visit), closed afterwards."""
    context = browser().new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(timeout_ms)
    try:
        yield page
    finally:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
