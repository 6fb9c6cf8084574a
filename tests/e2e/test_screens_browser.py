"""Screens that hold up (issue 24), measured in headless Chromium at desktop (1280x800) and phone (390x844, a mobile
viewport) sizes against the live app: where the widget's bubble and panel lie (boxes inside what the screen shows),
on the demo shop page and on a host page that overflows sideways by 1,000 px; a long reply's first line in view
when it ends; a product citation's page. Screenshots go to tests/artifacts/screenshots/."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.ui.live_app import LiveApp, browser, live_app, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT_MS = 120_000
SIZES = {"desktop": (1280, 800, False), "phone": (390, 844, True)}
OVERFLOW_PX = 1000
REPLY_LINES = 40

# A box against the visual viewport (what the screen shows; on a phone a too-wide page widens the layout viewport).
BOX_JS = """sel => {
  const el = document.querySelector('#mka-widget').shadowRoot.querySelector(sel), r = el.getBoundingClientRect();
  const v = visualViewport;
  return {left: r.left - v.offsetLeft, top: r.top - v.offsetTop, right: r.right - v.offsetLeft,
          bottom: r.bottom - v.offsetTop, width: v.width, height: v.height, shown: r.width > 0 && r.height > 0};
}"""


def wide_page(app_url: str) -> str:
    """A shop page wider than any screen, as real shop pages can be (a carousel, a table, a fixed-width banner)."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Wide shop</title>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'></head><body><h1>A wide shop page</h1>"
        f"<div style='width:calc(100vw + {OVERFLOW_PX}px);height:60px;background:#d9cbb3'>banner</div>"
        "<p>Products below.</p>"
        + "<p>Line of text.</p>" * 60
        + f"<script src='{app_url}/widget.js'></script></body></html>"
    )


@pytest.fixture(scope="module")
def app() -> LiveApp:
    return live_app()


@pytest.fixture(params=list(SIZES))
def page(request, app: LiveApp):
    width, height, mobile = SIZES[request.param]
    context = browser().new_context(
        viewport={"width": width, "height": height}, is_mobile=mobile, has_touch=mobile
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.route(
        f"{app.url}/wide-shop", lambda route: route.fulfill(content_type="text/html", body=wide_page(app.url))
    )
    page.size = request.param  # type: ignore[attr-defined]
    yield page
    context.close()


def inside(page, selector: str) -> dict:
    box = page.evaluate(BOX_JS, selector)
    assert box["shown"], (selector, box)
    assert box["left"] >= -0.5 and box["top"] >= -0.5, (selector, box)
    assert box["right"] <= box["width"] + 0.5 and box["bottom"] <= box["height"] + 0.5, (selector, box)
    return box


def tap(page, selector: str) -> None:
    """Where a person taps: the centre of the box as the screen shows it. (Playwright's own click aims in layout
    viewport coordinates, which on a phone with a too-wide page are not where the widget is drawn.)"""
    box = inside(page, selector)
    if page.size == "phone":
        page.touchscreen.tap((box["left"] + box["right"]) / 2, (box["top"] + box["bottom"]) / 2)
    else:
        page.mouse.click((box["left"] + box["right"]) / 2, (box["top"] + box["bottom"]) / 2)


def test_the_widget_stays_on_screen_on_any_host_page(app: LiveApp, page) -> None:
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    width = SIZES[page.size][0]
    for path in ("/widget-demo", "/wide-shop"):
        page.goto(f"{app.url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth") - width
        if path == "/widget-demo":
            assert overflow <= 0, "the demo page is wider than the screen"
            assert page.title().startswith("Kestrel Ridge")
        else:
            assert overflow >= OVERFLOW_PX - 20  # the host page really does overflow
        inside(page, ".bubble")
        page.mouse.wheel(0, 600)  # scrolled down the page, the bubble stays put
        page.wait_for_timeout(100)
        inside(page, ".bubble")
        tap(page, ".bubble")
        panel = inside(page, ".panel")
        if page.size == "phone":  # a full-screen panel on a phone
            assert panel["right"] - panel["left"] >= width - 1 and panel["bottom"] - panel["top"] >= 840
        inside(page, ".input")
        inside(page, "form .send")
        screenshot(page, f"widget-{page.size}-{path.strip('/')}")
        tap(page, ".close")
        inside(page, ".bubble")
    assert not missing, missing  # the favicon included


def _long_reply(turn: int) -> str:
    lines = [f"- Point {k} of answer {turn}: a line long enough to read." for k in range(1, REPLY_LINES + 1)]
    events = [f"event: token\ndata: {json.dumps({'text': line + chr(10)})}\n\n" for line in lines]
    done = {"session_id": "long-replies", "turn_id": turn, "text": "\n".join(lines), "citations": []}
    events.append(f"event: done\ndata: {json.dumps({**done, 'action': 'answer'})}\n\n")
    return "".join(events)


def test_a_long_reply_ends_with_its_first_line_in_view(app: LiveApp, page) -> None:
    """The reply stream is canned here (the real model never writes 40 lines); what is measured is the widget."""
    turns = iter(range(1, 10))
    page.route(
        f"{app.url}/v1/chat",
        lambda route: route.fulfill(content_type="text/event-stream", body=_long_reply(next(turns))),
    )
    page.goto(f"{app.url}/widget-demo")
    page.locator("#mka-widget .bubble").click()
    for turn in (1, 2):  # the second reply starts below the first: the log has to scroll down to it
        page.locator("#mka-widget .input").fill(f"Tell me everything ({turn})")
        page.locator("#mka-widget form .send").click()
        reply = page.locator(f"#mka-widget .msg.bot[data-turn-id='{turn}']")
        reply.wait_for()
        log = page.locator("#mka-widget .log").bounding_box()
        first = reply.locator("li").first.bounding_box()
        last = reply.locator("li").last.bounding_box()
        assert log["y"] <= first["y"] and first["y"] + first["height"] <= log["y"] + log["height"], (
            turn,
            log,
            first,
        )
        assert (
            last["y"] > log["y"] + log["height"]
        )  # a long reply: its end is below, for the reader to scroll to
    screenshot(page, f"widget-long-reply-{page.size}")
    page.locator("#mka-widget .log").evaluate(
        "el => { el.scrollTop = el.scrollHeight; }"
    )  # the reader scrolls on
    last = page.locator("#mka-widget .msg.bot[data-turn-id='2'] li").last.bounding_box()
    log = page.locator("#mka-widget .log").bounding_box()
    assert last["y"] + last["height"] <= log["y"] + log["height"] + 1


def test_a_product_citation_opens_the_product_page_on_the_cited_fact(app: LiveApp, page) -> None:
    reply = httpx.post(
        f"{app.url}/v1/chat",
        json={"message": "How much does the Talus Mid hiking boot for men weigh?", "stream": False},
        timeout=TIMEOUT_MS / 1000,
    ).json()
    products = [c for c in reply["citations"] if c["url"].startswith("/docs/products/")]
    assert products, reply
    assert not [c for c in reply["citations"] if c["url"].startswith("/docs/catalog.csv")]
    page.goto(f"{app.url}{products[0]['url']}")
    assert page.locator("h1").inner_text().strip()
    assert page.get_by_text("Price", exact=True).is_visible()
    page.goto(f"{app.url}/docs/products/FTW-001?cite=A+pair+in+size+43+weighs+1180+g#cited")
    mark = page.locator("mark#cited")
    assert mark.inner_text() == "A pair in size 43 weighs 1180 g."
    box, size = mark.bounding_box(), page.viewport_size
    assert (
        0 <= box["y"]
        and box["y"] + box["height"] <= size["height"]
        and box["x"] + box["width"] <= size["width"]
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    screenshot(page, f"product-page-{page.size}")
    page.goto(f"{app.url}/docs/products/NOPE-404")
    assert page.locator("h1").inner_text() == "Product not found"


def _marketer():
    from assistant import Caller

    return Caller(role="marketer", user="marketer")


def _in_view(page, locator) -> None:
    box, size = locator.bounding_box(), page.viewport_size
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= size["height"], (box, size)


def test_the_chat_page_remembers_and_shows_staff_replies(app: LiveApp, page) -> None:
    if page.size != "phone":
        pytest.skip("one size is enough for the memory; the phone is where warnings were out of sight")
    page.goto(f"{app.url}/chat/")
    page.locator("#customer-handoff").click()  # no contact yet: the warning shows where the customer looks
    warning = page.locator("#customer-status", has_text="Please leave an email address")
    warning.wait_for()
    expect(warning).to_be_in_viewport(
        ratio=1
    )  # scrolled to where the customer is looking (ui/static/pages.js)
    contact = f"remember-{uuid.uuid4().hex[:8]}@example.com"  # the test database outlives a run
    page.locator("#customer-contact textarea, #customer-contact input").first.fill(contact)
    page.locator("#customer-message textarea").fill("Do you ship abroad?")
    page.locator("#customer-send").click()
    page.locator("#customer-chatbot a[href*='/docs/']").first.wait_for()
    page.locator("#customer-handoff").click()
    page.locator("#customer-status", has_text="will contact you at").wait_for()
    mine = [h for h in app.assistant.store.list_handoffs() if h["contact"] == contact]
    assert len(mine) == 1, (contact, [h["contact"] for h in app.assistant.store.list_handoffs()[:3]])
    app.assistant.reply_handoff(_marketer(), mine[0]["handoff_id"], "Yes, **we ship** to Norway too.")

    page.reload()  # the conversation is still there, and the staff's reply joins it
    chat = page.locator("#customer-chatbot")
    chat.get_by_text("Do you ship abroad?").wait_for()
    staff = chat.get_by_text("we ship", exact=False)
    staff.wait_for()
    assert "Our team" in chat.inner_text()
    screenshot(page, "chat-page-remembers-phone")
    page.reload()  # shown once
    chat.get_by_text("Do you ship abroad?").wait_for()
    page.wait_for_timeout(500)
    assert chat.inner_text().count("Our team") == 1


def _serious(page, context=None) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    # ui/static/pages.js names what Gradio leaves unnamed at most 300 ms after the page changes, and an example
    # button gets its text when Gradio renders it (on a loaded machine, after the page is up): audit after both
    page.wait_for_function(
        "() => !document.querySelector('div.empty[aria-label]:not([role]),"
        ' .virtual-table-viewport:not([tabindex]):not(:has([tabindex="0"]))\')'
        " && [...document.querySelectorAll('.gallery-item')].every(b => b.textContent.trim())"
    )
    results = Axe().run(page, context=context)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} -> {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_no_serious_accessibility_violations(app: LiveApp, page) -> None:
    """axe-core's rules (bundled by axe-playwright-python) on the widget, /chat and the workspace's main view."""
    if (
        page.size != "phone"
    ):  # the phone layout found more (a table that scrolls sideways); one size keeps it short
        pytest.skip("checked at the phone size")
    page.goto(f"{app.url}/widget-demo")
    tap(page, ".bubble")
    found = {"widget": _serious(page)}
    page.goto(f"{app.url}/chat/")
    page.locator("#customer-message textarea").wait_for()
    found["chat"] = _serious(page)
    page.goto(f"{app.url}/workspace/")
    page.fill("#username", "marketer")
    page.fill("#password", "demo")
    page.click("button[type=submit]")
    page.get_by_text("Marketer workspace").first.wait_for()
    found["workspace"] = _serious(page)
    page.get_by_role("tab", name="Copy").first.click()
    found["workspace-copy"] = _serious(page)
    assert not any(found.values()), found


FOLLOW_PAGE = """<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Follow</title><script>{script}</script>
</head><body><div id='customer-chatbot'><div class='bubble-wrap' style='height:400px;overflow-y:auto'>
<div class='message-row bot-row'>Hi!</div></div></div>
<script>
async function ask(n) {{
  const box = document.querySelector('.bubble-wrap'), wait = () => new Promise(r => setTimeout(r, 20));
  const user = document.createElement('div'); user.className = 'message-row user-row'; user.textContent = 'Question ' + n;
  box.appendChild(user); await wait();
  const bot = document.createElement('div'); bot.className = 'message-row bot-row'; bot.id = 'reply-' + n;
  box.appendChild(bot);
  for (let k = 1; k <= {lines}; k++) {{
    const p = document.createElement('p'); p.textContent = 'Line ' + k; bot.appendChild(p); await wait();
  }}
}}
</script></body></html>"""


def test_the_chat_pages_follow_a_reply_to_its_first_line_only(app: LiveApp, page) -> None:
    """The head script of /chat and /workspace (ui/static/pages.js) on a chat laid out as Gradio 6's chatbot (a
    `.bubble-wrap` scroll box of `.message-row` rows); the real model never writes 40 lines."""
    if page.size != "desktop":
        pytest.skip("the script's logic does not depend on the screen")
    from ui.look import STATIC_DIR

    script = (STATIC_DIR / "pages.js").read_text(encoding="utf-8")
    body = FOLLOW_PAGE.format(script=script, lines=REPLY_LINES)
    page.route(f"{app.url}/follow-test", lambda route: route.fulfill(content_type="text/html", body=body))
    page.goto(f"{app.url}/follow-test")
    page.wait_for_timeout(400)  # the script finds the chat
    for n in (1, 2):
        page.evaluate(f"ask({n})")
        page.wait_for_timeout(200)
        box = page.locator(".bubble-wrap").bounding_box()
        first = page.locator(f"#reply-{n} p").first.bounding_box()
        last = page.locator(f"#reply-{n} p").last.bounding_box()
        assert box["y"] <= first["y"] and first["y"] + first["height"] <= box["y"] + box["height"], (
            n,
            box,
            first,
        )
        assert last["y"] > box["y"] + box["height"]
