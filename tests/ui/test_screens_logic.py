"""Logic behind the screens of issue 24: inbox transcripts rendered as the customer saw them (one safe Markdown
renderer), the chat page's memory, tables that name their columns before their first load, reasons in words."""

from __future__ import annotations

from types import SimpleNamespace

from assistant import InboxItem
from assistant.safe_markdown import render_markdown
from ui.chat_memory import KEEP_MESSAGES, remember, restore, staff_message
from ui.panels import empty_table
from ui.tables import draft_table, named, recommendation_table
from ui.views import transcript_html


def _item(*messages: tuple[str, str]) -> InboxItem:
    return InboxItem.model_validate(
        {
            "handoff_id": 7,
            "session_id": "s1",
            "status": "open",
            "created_at": "2026-12-07T12:00:00+00:00",
            "transcript": [{"role": role, "text": text} for role, text in messages],
        }
    )


def test_the_inbox_shows_replies_formatted_and_customers_words_as_typed() -> None:
    page = transcript_html(
        _item(
            ("customer", "Is the **tent** light? <b>x</b>"),
            ("assistant", "The **Ridgeback 2 Backpacking Tent** weighs 1.9 kg [1].\n\n- light\n- roomy"),
            ("staff", "See [our page](javascript:alert(1)) <script>alert(2)</script>"),
        )
    )
    assert "<strong>Ridgeback 2 Backpacking Tent</strong>" in page and "**Ridgeback" not in page
    assert "<li>light</li>" in page
    assert "Is the **tent** light? &lt;b&gt;x&lt;/b&gt;" in page  # the customer's own words, not formatted
    assert "<script>" not in page and 'href="javascript' not in page
    assert render_markdown("**a**") == "<p><strong>a</strong></p>\n"


def test_the_chat_page_remembers_a_bounded_conversation() -> None:
    assert restore(None) is None
    assert restore({"history": "junk", "session": 5}) is None
    history = [{"role": "user", "content": f"q{i}"} for i in range(KEEP_MESSAGES + 4)]
    saved = remember(history, "sess", {"1": 11, str(KEEP_MESSAGES + 3): 99}, 3)
    assert len(saved["history"]) == KEEP_MESSAGES and saved["history"][0]["content"] == "q4"
    assert saved["turns"] == {str(KEEP_MESSAGES - 1): 99}  # turn numbers follow the cut
    assert restore(saved) == (saved["history"], "sess", saved["turns"], 3)
    forged = {**saved, "history": [{"role": "system", "content": "x"}, *saved["history"]]}
    assert restore(forged)[0] == saved["history"]  # only user and assistant messages come back


def test_a_staff_reply_is_labelled_and_escaped() -> None:
    message = staff_message("Hello <img src=x onerror=alert(1)>")
    assert message["role"] == "assistant" and message["content"].startswith("**Our team:**")
    assert "<img" not in message["content"]


def test_empty_tables_name_their_columns_and_reasons_name_products() -> None:
    args = empty_table(draft_table([], {}))
    assert args["headers"][:3] == ["Draft", "Requested", "By"] and args["value"] == []
    assert (
        named("bought together with FTW-001", {"FTW-001": "Talus Mid Boot"})
        == "bought together with Talus Mid Boot"
    )
    item = SimpleNamespace(
        name="Boot", item_id="FTW-002", price=1.0, currency="EUR", in_stock=True, reason="like FTW-001"
    )
    assert recommendation_table([item], {"FTW-001": "Talus"})[1][0][-1] == "like Talus"
