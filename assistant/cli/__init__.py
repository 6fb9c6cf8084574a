"""The `mka` command line: noun groups (`kb`, `data`, `model`, `copy`, `demo`, `admin`) plus `recommend`,
`segments`, `chat` and `serve`. Each group lives in its own module here."""

from __future__ import annotations

import os

import typer

# Offline by construction: every model comes from a package or a local folder.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.cli import admin, chat, copy, data, demo, insights, kb, model, serve  # noqa: E402

app = typer.Typer(help="Conversational marketing assistant.", no_args_is_help=True, add_completion=False)
for _name, _group in (
    ("kb", kb.app),
    ("data", data.app),
    ("model", model.app),
    ("copy", copy.app),
    ("demo", demo.app),
    ("admin", admin.app),
):
    app.add_typer(_group, name=_name)
for _module in (insights, chat, serve):  # mka recommend / segments, mka chat, mka serve
    _module.register(app)

__all__ = ["app"]
