"""The handoff inbox on real SQLite: one item per conversation, the transcript, assign, reply (read by the customer's
own widget only), close; and the help-desk webhook against a real local HTTP server, off the chat turn."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
import time
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from assistant import Assistant, BadInput, Caller, Forbidden, NotFound
from assistant.conversation.reply import ToolCallRecord
from assistant.settings import Settings
from assistant.workspace.webhook import WAITING_PER_SENDER, WORKERS, HandoffWebhook
from tests.assistant.workspace.conftest import MARKETER, workspace_assistant

SECRET = "hook-secret"


def _conversation(app: Assistant, customer: Caller) -> str:
    sid = app.store.create_session("customer", customer.customer_id)
    app.store.add_turn(
        sid,
        message="My parcel never arrived",
        reply="I could not find this in our help pages. Would you like a person?",
        tool_calls=[ToolCallRecord(name="search_docs", arguments={"query": "parcel"}, result={"hits": []})],
    )
    return sid


def test_an_anonymous_request_without_contact_is_refused(app: Assistant) -> None:
    sid = _conversation(app, Caller(role="customer"))
    with pytest.raises(BadInput):
        app.request_handoff(Caller(role="customer"), sid, None, "asked to talk to a person")
    assert app.inbox(MARKETER).items == []


def test_one_item_per_conversation_with_contact_and_transcript(app: Assistant) -> None:
    customer = Caller(role="customer")
    sid = _conversation(app, customer)
    # the chat turn asks for a person, then the widget's form sends the contact: one request, not two
    hid = app.handoff_inbox.request(sid, None, "asked to talk to a person")  # the chat turn's tool
    assert app.request_handoff(customer, sid, "bo@example.com", "asked for a person in the widget") == hid
    (item,) = app.inbox(MARKETER).items
    assert item.handoff_id == hid and item.contact == "bo@example.com" and item.status == "open"
    assert item.reasons == ["asked to talk to a person; asked for a person in the widget"]
    assert item.waiting_s >= 0 and item.folded == []
    opened = app.inbox_item(MARKETER, hid)
    assert [m.role for m in opened.transcript] == ["customer", "assistant"]
    assert opened.transcript[0].text == "My parcel never arrived"


def test_old_duplicate_requests_are_folded_into_one_item(app: Assistant) -> None:
    sid = _conversation(app, Caller(role="customer"))
    a = app.store.add_handoff(sid, None, "asked in the chat")  # stored twice before the inbox folded requests
    b = app.store.add_handoff(sid, "cy@example.com", "asked in the widget")
    (item,) = app.inbox(MARKETER).items
    assert item.handoff_id == a and item.folded == [b] and item.contact == "cy@example.com"
    assert app.inbox_item(MARKETER, b).handoff_id == a  # either id finds the conversation
    app.close_handoff(MARKETER, b)
    assert app.inbox(MARKETER).items == [] and {h["status"] for h in app.store.list_handoffs()} == {"closed"}


def test_assign_reply_and_close(app: Assistant) -> None:
    customer = Caller(role="customer", customer_id="C00007")
    sid = _conversation(app, customer)
    hid = app.request_handoff(customer, sid, "dee@example.com", "asked for a person")
    assert app.assign_handoff(MARKETER, hid, "bob").assignee == "bob"
    assert [i.handoff_id for i in app.inbox(MARKETER, "assigned").items] == [hid]
    assert app.assign_handoff(MARKETER, hid, None).assignee == "ann"  # None: the caller takes it
    with pytest.raises(BadInput):
        app.reply_handoff(MARKETER, hid, "   ")
    reply = app.reply_handoff(MARKETER, hid, "We resent your parcel today; tracking follows by e-mail.")
    assert reply.author == "ann"
    # the customer's widget polls its own conversation; nobody else's
    assert [r.text for r in app.staff_replies(customer, sid)] == [reply.text]
    assert app.staff_replies(customer, sid, after=reply.reply_id) == []
    with pytest.raises(Forbidden):
        app.staff_replies(Caller(role="customer", customer_id="C00008"), sid)
    with pytest.raises(Forbidden):
        app.staff_replies(Caller(role="customer"), sid)  # anonymous is not C00007
    item = app.inbox_item(MARKETER, hid)
    assert item.replies == 1 and item.last_message.startswith("We resent")
    assert item.transcript[-1].role == "staff" and item.transcript[-1].author == "ann"
    closed = app.close_handoff(MARKETER, hid)
    assert closed.status == "closed" and closed.closed_by == "ann" and closed.closed_at
    assert app.inbox(MARKETER).items == [] and [
        i.handoff_id for i in app.inbox(MARKETER, "closed").items
    ] == [hid]
    with pytest.raises(BadInput, match="closed"):
        app.reply_handoff(MARKETER, hid, "one more thing")
    with pytest.raises(NotFound):
        app.inbox_item(MARKETER, 999)
    with pytest.raises(BadInput):
        app.inbox(MARKETER, "pending")


class _HelpDesk(http.server.BaseHTTPRequestHandler):
    received: list[tuple[dict, dict]] = []
    delay_s = 0.0

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(self.delay_s)
        type(self).received.append((dict(self.headers), {"raw": body, "json": json.loads(body)}))
        try:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"ok")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the assistant stopped waiting (its timeout), as it should

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def help_desk() -> Iterator[tuple[str, type[_HelpDesk]]]:
    handler = type("HelpDesk", (_HelpDesk,), {"received": [], "delay_s": 0.0})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/handoff", handler
    server.shutdown()


def _hooked(settings: Settings, url: str, timeout_s: float = 5.0) -> Assistant:
    update = {
        "handoff_webhook_url": url,
        "handoff_webhook_timeout_s": timeout_s,
        "handoff_webhook_secret": SecretStr(SECRET),
    }
    hooked = settings.model_copy(update=update)
    return workspace_assistant(hooked)


def _wait_for(predicate, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_webhook_posts_signed_json_for_each_new_request_only(settings, help_desk) -> None:
    url, desk = help_desk
    app = _hooked(settings, url)
    customer = Caller(role="customer")
    sid = _conversation(app, customer)
    hid = app.handoff_inbox.request(sid, None, "asked to talk to a person")  # the chat turn's tool
    app.request_handoff(customer, sid, "eve@example.com", "widget form")  # folded: no second event
    _wait_for(lambda: app.inbox_item(MARKETER, hid).webhook_status is not None)
    assert len(desk.received) == 1
    headers, body = desk.received[0]
    assert body["json"]["event"] == "handoff.created"
    assert body["json"]["handoff"]["handoff_id"] == hid
    # the session id is an anonymous customer's bearer token: the help desk gets the request's id instead
    assert sid.encode() not in body["raw"] and "session_id" not in body["json"]["handoff"]
    assert body["json"]["transcript"][0] == {
        "role": "customer", "text": "My parcel never arrived", "author": "",
        "created_at": body["json"]["transcript"][0]["created_at"],
    }  # fmt: skip
    expected = hmac.new(SECRET.encode(), body["raw"], hashlib.sha256).hexdigest()
    assert headers["X-MKA-Signature"] == f"sha256={expected}"
    assert app.inbox_item(MARKETER, hid).webhook_status == "delivered (HTTP 200)"


def test_a_slow_help_desk_never_holds_up_the_chat_turn(settings, help_desk) -> None:
    url, desk = help_desk
    desk.delay_s = 2.0
    app = _hooked(settings, url, timeout_s=0.5)
    customer = Caller(role="customer")
    sid = _conversation(app, customer)
    started = time.monotonic()
    hid = app.request_handoff(customer, sid, "fay@example.com", "asked for a person")
    assert time.monotonic() - started < 0.5  # the POST runs on the webhook's own worker
    _wait_for(lambda: app.inbox_item(MARKETER, hid).webhook_status is not None)
    assert app.inbox_item(MARKETER, hid).webhook_status == "failed: timed out after 0.5 s"


def test_an_unreachable_help_desk_is_recorded_not_raised(settings) -> None:
    app = _hooked(settings, "http://127.0.0.1:9/nothing-listens-here", timeout_s=1.0)
    customer = Caller(role="customer")
    hid = app.handoff_inbox.request(_conversation(app, customer), None, "asked for a person")
    _wait_for(lambda: app.inbox_item(MARKETER, hid).webhook_status is not None)
    assert app.inbox_item(MARKETER, hid).webhook_status.startswith("failed: ")


def test_one_sender_flooding_handoffs_does_not_delay_another(help_desk, caplog) -> None:
    url, desk = help_desk
    desk.delay_s = 0.02
    webhook = HandoffWebhook(url, timeout_s=2.0)
    flood = [webhook.notify(n, {"handoff": {"handoff_id": n}}, "client:203.0.113.9") for n in range(1, 301)]
    other = webhook.notify(999, {"handoff": {"handoff_id": 999}}, "client:198.51.100.7")
    assert other.result(timeout=5) == "delivered (HTTP 200)"
    order = [body["json"]["handoff"]["handoff_id"] for _, body in desk.received]
    # behind at most the flood's events already in the workers' hands and the one taken before its turn came
    assert order.index(999) <= WORKERS + 1
    outcomes = [f.result(timeout=5) for f in flood]
    sent = [o for o in outcomes if o.startswith("delivered")]
    assert (
        len(sent) <= WORKERS + WAITING_PER_SENDER and len(sent) + webhook.dropped["client:203.0.113.9"] == 300
    )
    assert outcomes[-1].startswith("not sent") and webhook.dropped["client:198.51.100.7"] == 0
    assert "not sent" in caplog.text and "client:203.0.113.9" in caplog.text
    webhook.close()


def test_the_api_names_the_sender_by_client_address(settings, help_desk) -> None:
    url, desk = help_desk
    desk.delay_s = 0.5  # the flood is queued long before the first delivery ends
    app = _hooked(settings, url)
    flooder = Caller(role="customer", client="203.0.113.9")
    flood = [
        app.request_handoff(flooder, _conversation(app, flooder), f"f{n}@example.com", "asked for a person")
        for n in range(WORKERS + WAITING_PER_SENDER + 3)
    ]
    customer = Caller(role="customer", client="198.51.100.7")
    hid = app.request_handoff(customer, _conversation(app, customer), "gil@example.com", "asked for a person")
    _wait_for(lambda: app.inbox_item(MARKETER, hid).webhook_status is not None, timeout_s=3.0)
    assert app.inbox_item(MARKETER, hid).webhook_status == "delivered (HTTP 200)"
    assert app.inbox_item(MARKETER, flood[-1]).webhook_status.startswith("not sent")
    assert app.inbox(MARKETER).total == len(flood) + 1  # not sent to the help desk, yet in the inbox
