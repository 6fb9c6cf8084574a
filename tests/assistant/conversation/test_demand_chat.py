"""The marketer chat reaches the demand tools: "what will sell in the next 6 weeks?", "which categories are rising?",
"what will run out of stock?" each run their tool through the policy and answer with its figures (customers are
refused by the tools' own roles: tests/assistant/tools/test_demand_tools.py)."""

from __future__ import annotations

import pytest

from assistant import Caller
from assistant.conversation.intents.demand import asks_demand, horizon_of
from assistant.settings import Settings
from tests.assistant.commerce.forecast.demo_store import demo_store
from tests.assistant.fakes import FakeKB, demo_hits
from tests.assistant.workspace.conftest import workspace_assistant

# the demo shop's store is built once per process (demo_store): one xdist worker builds it for all of these
pytestmark = pytest.mark.xdist_group("demand-shop")

MARKETER = Caller(role="marketer", user="ann")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    _, url = demo_store()
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("var"),
        database_url=url,
        forecast={"model": "seasonal_naive"},
        _env_file=None,
    )
    return workspace_assistant(settings, kb=FakeKB(demo_hits()))


@pytest.mark.parametrize(
    ("message", "tool", "args"),
    [
        (
            "which products will sell best in the next 6 weeks?",
            "demand_forecast",
            {"level": "product", "horizon_weeks": 6},
        ),
        ("Which categories are rising?", "rising_categories", {"weeks": 4}),
        ("what will run out of stock in the next 8 weeks?", "stockout_risk", {"horizon_weeks": 8}),
    ],
)
def test_a_marketer_s_demand_question_runs_its_tool(app, message: str, tool: str, args: dict) -> None:
    reply = app.turn(message, MARKETER)
    calls = [c for c in reply.tool_calls if c.name == tool]
    assert calls and calls[0].ok and args.items() <= calls[0].arguments.items(), reply.tool_calls
    assert "|" in reply.text  # the figures as a table


def test_the_phrases_and_horizons() -> None:
    assert (
        asks_demand("Was wird im nächsten Quartal nachgefragt?") and horizon_of("im nächsten Quartal") == 13
    )
    assert not asks_demand("write 3 google ads for the Talus boot") and not asks_demand(
        "who are my champions?"
    )
    assert horizon_of("the next 10 weeks") == 10 and horizon_of("soon") == 4
    assert asks_demand("what will sell in the next 4 weeks?") and asks_demand("what will run out of stock?")
