"""`mka chat` through typer's CliRunner, with typed input, against the real shop (embedder, index, SQLite)."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from assistant.settings import Settings
from assistant.storage.store import ConversationStore

pytestmark = pytest.mark.slow


def test_chat_streams_an_answer_then_sources_and_tool_calls(shop_env):
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["chat", "--role", "customer"],
        input="what is your return window?\nexit\n",
        env={**shop_env, "COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "30 days" in out
    assert "sources" in out and "/docs/policies/returns.md#" in out
    assert "tool calls" in out and "search_docs" in out
    session = re.search(r"continue with --session (\w+)", out).group(1)
    # The turn was stored: a new store on the same database sees it.
    history = ConversationStore.from_url(
        Settings(data_dir=shop_env["MKA_DATA_DIR"], _env_file=None).db_url
    ).history(session, 5)
    assert history[0]["message"] == "what is your return window?" and history[0]["citations"]


def test_chat_continues_a_session_and_refuses_a_foreign_one(shop_env):
    runner = CliRunner()
    env = {**shop_env, "COLUMNS": "200"}
    first = runner.invoke(app, ["chat", "--customer", "C00042", "-m", "I want to talk to a human"], env=env)
    assert first.exit_code == 0, first.output
    assert "handoff" in first.output
    session = re.search(r"continue with --session (\w+)", first.output).group(1)
    again = runner.invoke(
        app, ["chat", "--customer", "C00042", "--session", session, "-m", "thanks"], env=env
    )
    assert again.exit_code == 0 and "welcome" in again.output.lower()
    foreign = runner.invoke(
        app, ["chat", "--customer", "C00043", "--session", session, "-m", "hello"], env=env
    )
    assert foreign.exit_code == 1 and "another customer" in foreign.output


def test_chat_rejects_bad_options(shop_env):
    result = CliRunner().invoke(app, ["chat", "--role", "admin", "-m", "hi"], env=shop_env)
    assert result.exit_code == 2 and "customer or marketer" in result.output
