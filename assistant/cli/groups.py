"""CLI command groups. Each module exposes `app` (a Typer group) or `register(root)`; `register` wires them all."""

from __future__ import annotations

import importlib

import typer

# (module, group name or None for commands added at the top level)
_GROUPS = [
    ("assistant.cli.kb", "kb"),
    ("assistant.cli.data", "data"),
    ("assistant.cli.model", "model"),
    ("assistant.cli.copy", "copy"),
    ("assistant.cli.demo", "demo"),
    ("assistant.cli.admin", "admin"),
    ("assistant.cli.insights", None),  # mka recommend, mka segments
    ("assistant.cli.top", None),  # mka serve, mka chat
]


def register(root: typer.Typer) -> None:
    """Attach every command group that exists to `root`."""
    for module_name, group in _GROUPS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # group not written yet
                continue
            raise
        if group is None:
            module.register(root)
        else:
            root.add_typer(module.app, name=group)
