"""Shared fixtures. Tests never download anything: the hub is switched off before any model library loads."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Servers start by the dozen here: the help pages are read ahead only where a test asks for it.
os.environ.setdefault("MKA_READ_AHEAD", "false")
# pytest-xdist workers start with COLUMNS=80; rich consoles built at import would keep that width for good and ignore
# the COLUMNS a CLI test sets, so a worker reads the width when it prints, as a single-process run does.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.pop("COLUMNS", None)

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from assistant.settings import REPO_ROOT, Settings  # noqa: E402

SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
# A TestClient that is this machine for real (a loopback peer, a loopback Host): the demo password works only so.
LOCAL_CLIENT = {"base_url": "http://127.0.0.1:8000", "client": ("127.0.0.1", 50000)}
# Which tests share one worker under `pytest -n 2 --dist loadgroup`.
pytest_plugins = ["tests.xdist_groups"]


def pytest_report_header(config) -> str:
    from tests.sampling import run_all_cases

    tables = (
        "every row (MKA_TEST_ALL=1)"
        if run_all_cases()
        else "fixed stratified samples (MKA_TEST_ALL=1: every row)"
    )
    return f"large case tables: {tables}"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings with every piece of state (database, index, artifacts) under a fresh temporary folder."""
    return Settings(data_dir=tmp_path / "var", _env_file=None)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public datasets beside the project (../shared/data)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(
            f"../shared/data is missing (looked in {SHARED_DATA}); CI runs with ../shared beside the clone"
        )
    return SHARED_DATA


@pytest.fixture(scope="session")
def postgres_server():
    """One private PostgreSQL server (initdb + pg_ctl in a temp dir, loopback, free port) for the test session.

    Skipped where PostgreSQL is not installed, unless MKA_REQUIRE_POSTGRES=1 (`make test` sets it after installing
    the package), where a missing server is a failure.
    """
    from assistant.storage.pgserver import PostgresMissing, PrivatePostgres

    try:
        server = PrivatePostgres.start()
    except PostgresMissing as exc:
        if os.environ.get("MKA_REQUIRE_POSTGRES") == "1":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> str:
    """A fresh, empty database on each engine the service supports: a SQLite file, then a real PostgreSQL database."""
    from assistant.storage.db import forget_engine

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'db' / 'mka.db'}"
    else:
        import uuid

        url = request.getfixturevalue("postgres_server").create_database(f"t_{uuid.uuid4().hex[:12]}")
    yield url
    forget_engine(url)  # its pooled connections: a long session must not run the server out of connections
