"""The `mka` command line: noun groups (`kb`, `data`, `model`, `copy`, ...) plus `serve` and `chat`.

Each group lives in its own module under `assistant/cli/` and is registered here.
"""

from __future__ import annotations

import os

import typer

from assistant.cli.groups import register

# Offline by construction: every model comes from a package or a local folder.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

app = typer.Typer(help="Conversational marketing assistant.", no_args_is_help=True, add_completion=False)
register(app)

if __name__ == "__main__":
    app()
