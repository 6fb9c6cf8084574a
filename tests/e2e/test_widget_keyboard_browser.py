"""The widget on a phone when the on-screen keyboard opens (issue 24), in headless Chromium against the live app.

Headless Chromium has no on-screen keyboard; what a keyboard does to a page is shrink the visual viewport from the
bottom, so the test opens the full-screen panel at 390x844 and then shrinks the viewport to 390x480. Measured by
position: the input box and the latest message must lie inside what the screen shows (and the latest message inside
the part of the log that is not scrolled away). Once with `window.visualViewport` and once in a browser without it
(the fallback). The replies are canned (the real model's speed is not what is measured here).
"""

from __future__ import annotations

import json

import pytest

from tests.ui.live_app import SCREENSHOTS, LiveApp, browser, live_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT_MS = 60_000
PHONE = {"width": 390, "height": 844}
KEYBOARD_OPEN = {"width": 390, "height": 480}  # 364 px of keyboard, about a phone's
QUESTIONS = 3  # three turns overflow the log once the keyboard is up
# two frames later the page has been laid out and drawn at its new size
NEXT_FRAMES = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
NO_VISUAL_VIEWPORT = "Object.defineProperty(window, 'visualViewport', {value: undefined, configurable: true})"

# Boxes in the coordinates of what the screen shows (the visual viewport where there is one).
BOXES_JS = """() => {
  const root = document.querySelector('#mka-widget').shadowRoot, v = window.visualViewport;
  const dx = v ? v.offsetLeft : 0, dy = v ? v.offsetTop : 0;
  const box = el => { const r = el.getBoundingClientRect();
    return {left: r.left - dx, top: r.top - dy, right: r.right - dx, bottom: r.bottom - dy}; };
  const msgs = root.querySelectorAll('.log .msg');
  return {screen: {width: v ? v.width : innerWidth, height: v ? v.height : innerHeight},
          input: box(root.querySelector('.input')), send: box(root.querySelector('form .send')),
          log: box(root.querySelector('.log')), latest: box(msgs[msgs.length - 1]), messages: msgs.length};
}"""


def _reply(turn: int) -> str:
    lines = [f"Line {k} of answer {turn}, long enough to wrap once on a phone screen." for k in range(1, 4)]
    text = "\n\n".join(lines)
    done = {"session_id": "keyboard", "turn_id": turn, "text": text, "citations": [], "action": "answer"}
    return f"event: token\ndata: {json.dumps({'text': text})}\n\nevent: done\ndata: {json.dumps(done)}\n\n"


@pytest.fixture(scope="module")
def app() -> LiveApp:
    return live_app()


@pytest.fixture(params=["visualViewport", "without visualViewport"])
def page(request, app: LiveApp):
    context = browser().new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    if request.param != "visualViewport":
        context.add_init_script(NO_VISUAL_VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    turns = iter(range(1, 100))
    page.route(
        f"{app.url}/v1/chat",
        lambda route: route.fulfill(content_type="text/event-stream", body=_reply(next(turns))),
    )
    page.variant = request.param  # type: ignore[attr-defined]
    yield page
    context.close()


def _assert_in_view(boxes: dict) -> None:
    screen, log = boxes["screen"], boxes["log"]
    for name in ("input", "send", "log"):
        box = boxes[name]
        assert box["top"] >= -0.5 and box["bottom"] <= screen["height"] + 0.5, (name, boxes)
        assert box["left"] >= -0.5 and box["right"] <= screen["width"] + 0.5, (name, boxes)
    latest = boxes["latest"]  # all of it, in the part of the log the reader sees, above the input
    assert log["top"] - 0.5 <= latest["top"] and latest["bottom"] <= log["bottom"] + 0.5, boxes
    assert latest["bottom"] <= boxes["input"]["top"], boxes


def test_the_keyboard_keeps_the_input_and_the_latest_message_in_view(app: LiveApp, page) -> None:
    page.goto(f"{app.url}/widget-demo")
    page.locator("#mka-widget .bubble").click()
    for turn in range(1, QUESTIONS + 1):
        page.locator("#mka-widget .input").fill(f"Question {turn}")
        page.locator("#mka-widget form .send").click()
        page.locator(f"#mka-widget .msg.bot[data-turn-id='{turn}']").wait_for()
    page.locator("#mka-widget .input").focus()  # where the keyboard opens
    before = page.evaluate(BOXES_JS)
    assert before["messages"] == 1 + 2 * QUESTIONS, before
    _assert_in_view(before)

    page.set_viewport_size(KEYBOARD_OPEN)  # the keyboard opens
    page.evaluate(NEXT_FRAMES)
    opened = page.evaluate(BOXES_JS)
    print(f"[{page.variant}] 390x844: {before}\n[{page.variant}] 390x480: {opened}")
    assert opened["screen"]["height"] == KEYBOARD_OPEN["height"], opened
    _assert_in_view(opened)
    height = {
        name: boxes["log"]["bottom"] - boxes["log"]["top"]
        for name, boxes in (("before", before), ("open", opened))
    }
    assert height["open"] < height["before"] - 300, height  # the log gave the keyboard its room
    # what the screen shows above the keyboard, not the whole page behind it
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"widget-keyboard-open-{page.variant.replace(' ', '-')}.png"))

    page.set_viewport_size(PHONE)  # the keyboard closes: the latest message stays where the reader left it
    page.evaluate(NEXT_FRAMES)
    _assert_in_view(page.evaluate(BOXES_JS))
