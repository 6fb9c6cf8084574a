"""`mka kb` through Typer's CliRunner, on a real Chroma store under a temporary data dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli.kb import app
from tests.retrieval.conftest import write_shop

pytestmark = pytest.mark.slow  # the real embedding model


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch, real_embedder) -> Path:
    # Settings() inside the commands reads the environment: everything goes under tmp_path
    monkeypatch.setenv("MKA_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MKA_DEMO_DIR", str(tmp_path / "demo"))
    monkeypatch.setenv("COLUMNS", "200")
    return write_shop(tmp_path / "shop")


def test_ingest_list_search_sync(cli_env: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["ingest", str(cli_env)])
    assert result.exit_code == 0, result.output
    assert "added" in result.output and "4" in result.output

    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0 and "policies/returns.md" in result.output and "policy" in result.output

    result = runner.invoke(app, ["search", "how do I get a refund", "-k", "2"])
    assert result.exit_code == 0, result.output
    assert "policies/returns.md#refunds" in result.output and "Returns and refunds" in result.output

    result = runner.invoke(app, ["search", "shoe", "--category", "shoes", "--in-stock", "--max-price", "150"])
    assert result.exit_code == 0 and "catalog.csv#TR-001" in result.output and "TR-002" not in result.output

    result = runner.invoke(app, ["search", "shoe", "--type", "policy"])
    assert result.exit_code == 0 and "catalog.csv" not in result.output

    (cli_env / "pages" / "shipping.html").unlink()
    result = runner.invoke(app, ["sync"])
    assert result.exit_code == 0, result.output
    assert "pages/shipping.html" in result.output  # reported as removed
    assert "pages/shipping.html" not in runner.invoke(app, ["list"]).output


def test_bad_input_is_reported(cli_env: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["search", "anything"])
    assert result.exit_code == 1 and "empty" in result.output
    result = runner.invoke(app, ["ingest", str(tmp_path / "missing")])
    assert result.exit_code == 1 and "no such file" in result.output
    (cli_env / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    result = runner.invoke(app, ["ingest", str(cli_env)])
    assert result.exit_code == 2 and "broken.pdf" in result.output and "PDF" in result.output
    result = runner.invoke(app, ["search", "x", "--type", "nonsense"])
    assert result.exit_code == 1 and "--type" in result.output


def test_demo_shop_return_policy_is_cited(cli_env: Path) -> None:
    from assistant.settings import REPO_ROOT

    returns = REPO_ROOT / "data" / "demo" / "policies" / "returns.md"
    if not returns.exists():
        pytest.fail("data/demo/policies/returns.md is missing (the demo shop ships with the repo)")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(returns)]).exit_code == 0
    result = runner.invoke(app, ["search", "return policy", "-k", "3"])
    assert result.exit_code == 0 and "returns.md#" in result.output, result.output
