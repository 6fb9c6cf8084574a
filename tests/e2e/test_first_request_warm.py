"""The first question after a server says it is ready pays for no loading (issue 22: the first question of a fresh
server took 2.6 s, later ones a fraction of that). Not a timing assertion: what is counted is what loading does
(importing modules, reading YAML, compiling regular expressions), during the first request and a later one."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import text

from assistant import Caller
from assistant.http import create_app
from assistant.http.state import AssistantHolder
from tests.conftest import LOCAL_CLIENT


@dataclass
class Loads:
    modules: list[str] = field(default_factory=list)
    yaml_docs: int = 0
    patterns: list[str] = field(default_factory=list)


@contextmanager
def counting_loads(monkeypatch: pytest.MonkeyPatch) -> Iterator[Loads]:
    """Modules imported, YAML documents read and patterns compiled (re's cache missed) while the block runs, in any
    thread (the turn runs on a worker)."""
    loads = Loads()
    compile_pattern, read_yaml = re._compiler.compile, yaml.reader.Reader.__init__  # type: ignore[attr-defined]

    def compiling(p, flags=0):
        loads.patterns.append(str(getattr(p, "pattern", p))[:60])
        return compile_pattern(p, flags)

    def reading(self, stream):
        loads.yaml_docs += 1
        read_yaml(self, stream)

    before = set(sys.modules)
    with monkeypatch.context() as patch:
        patch.setattr(re._compiler, "compile", compiling)  # type: ignore[attr-defined]
        patch.setattr(yaml.reader.Reader, "__init__", reading)
        yield loads
    loads.modules = sorted(set(sys.modules) - before)


def _stored_rows(engine) -> tuple[int, ...]:
    with engine.connect() as db:
        return tuple(
            db.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
            for table in ("chat_sessions", "chat_turns", "chat_handoffs")
        )


def _ask(client: TestClient, question: str) -> dict:
    response = client.post("/v1/chat", json={"message": question, "stream": False})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.slow
def test_the_first_question_after_ready_loads_nothing(assistant_shop, monkeypatch) -> None:
    settings = assistant_shop.model_copy(
        update={"read_ahead": True}
    )  # as `mka serve` runs (tests turn it off)
    app = create_app(settings)
    with TestClient(app, **LOCAL_CLIENT) as client:
        deadline = time.monotonic() + 120
        while not client.get("/healthz").json()["ready"]:  # the help pages are read ahead after start-up
            assert time.monotonic() < deadline, "not ready in 120 s"
            time.sleep(0.2)
        api = app.state.mka.holder.get()
        assert not api.still_warming()
        stored = _stored_rows(api.store.engine)
        api.agent.rehearse("I am looking for a tent for two people", Caller(role="customer"))
        assert (
            _stored_rows(api.store.engine) == stored
        )  # rehearsing leaves no session, turn or handoff behind
        with counting_loads(monkeypatch) as first:
            reply = _ask(client, "What is your return policy?")  # not one of the questions warming rehearses
        assert "30" in reply["text"] and reply["citations"]
        with counting_loads(monkeypatch) as later:
            _ask(client, "Can I return worn boots?")
    assert first.modules == [] and first.yaml_docs == 0, (first.modules, first.yaml_docs)
    # patterns built from the question's own words are compiled on every question; none only on the first
    assert len(first.patterns) <= len(later.patterns) + 2, (first.patterns, later.patterns)


class _Api:
    def __init__(self) -> None:
        self.reading = True

    def warm_up(self) -> None:
        pass

    def still_warming(self) -> bool:
        return self.reading


def test_healthz_is_ready_only_when_warming_in_the_background_is_done(settings) -> None:
    api = _Api()
    holder = AssistantHolder(settings, api)  # type: ignore[arg-type]
    holder.warm_up()
    assert not holder.ready  # models loaded, help pages still being read ahead
    api.reading = False
    assert holder.ready
