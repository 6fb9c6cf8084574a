"""The /chat page shows a staff reply while it is open, without a reload (issue 24): it polls the application API's
`staff_replies` every `ui.chat_memory.POLL_S` seconds once there is a conversation, as the open widget does.

The browser's clock is Playwright's (`page.clock`): it runs as usual, and the test moves it past one poll interval
instead of waiting 15 s; the page's own timer (Gradio's `gr.Timer`, a setInterval) is what fires."""

from __future__ import annotations

import uuid

import pytest

from assistant import Caller
from tests.ui.live_app import customer_page, live_app, screenshot
from ui.chat_memory import POLL_S, STAFF_LABEL

pytestmark = [pytest.mark.browser, pytest.mark.slow]
TIMEOUT_MS = 60_000


def test_a_staff_reply_appears_on_the_open_chat_page() -> None:
    app = live_app()
    with customer_page(TIMEOUT_MS, width=1280, height=800) as page:
        page.clock.install()  # the clock runs; fast_forward jumps it (and fires the timers due)
        page.goto(f"{app.url}/chat/")
        contact = f"live-{uuid.uuid4().hex[:8]}@example.com"  # the test database outlives a run
        page.locator("#customer-contact textarea, #customer-contact input").first.fill(contact)
        page.locator("#customer-handoff").click()  # the first turn: asks for a person, with the contact
        page.locator("#customer-status", has_text="will contact you at").wait_for()
        mine = [h for h in app.assistant.store.list_handoffs() if h["contact"] == contact]
        assert len(mine) == 1, contact
        chat = page.locator("#customer-chatbot")
        page.clock.fast_forward(POLL_S * 1000 + 500)  # a poll with nothing new: nothing changes
        page.wait_for_timeout(300)
        assert STAFF_LABEL not in chat.inner_text()

        staff = Caller(role="marketer", user="marketer")
        app.assistant.reply_handoff(staff, mine[0]["handoff_id"], "Hello, this is **Maria** from the shop.")
        page.clock.fast_forward(POLL_S * 1000 + 500)  # the next poll brings it: no reload
        chat.get_by_text("this is Maria", exact=False).wait_for()
        assert chat.inner_text().count(STAFF_LABEL) == 1
        screenshot(page, "chat-page-live-staff-reply")

        page.clock.fast_forward(POLL_S * 1000 + 500)  # shown once, however many polls follow
        page.wait_for_timeout(300)
        assert chat.inner_text().count(STAFF_LABEL) == 1
        page.reload()  # and it is kept: a reload shows it once, in place
        chat.get_by_text("this is Maria", exact=False).wait_for()
        page.wait_for_timeout(500)
        assert chat.inner_text().count(STAFF_LABEL) == 1
