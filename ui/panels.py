"""What every workspace tab shares: the caller a request names, errors shown beside the field they concern (kept on the
page until the next action, never a vanishing toast), long work with a visible step and elapsed time, file downloads."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import AssistantAPI, AssistantError, Caller, ExportFile
from ui.chat import client_of

GetAPI = Callable[[], AssistantAPI]
TICK_S = 1.0


def workspace_caller(request: gr.Request | None) -> Caller:
    """The marketer the login cookie names (Gradio's auth dependency sets `username`); anyone else is a customer."""
    username = getattr(request, "username", None) if request is not None else None
    role = "marketer" if username else "customer"
    return Caller(role=role, client=client_of(request), user=username or None)  # type: ignore[arg-type]


def problem(message: str) -> str:
    """An error as the page shows it beside its field."""
    return f"⚠️ {message}" if message else ""


def field_of(exc: AssistantError) -> str | None:
    """The input an error concerns: `InvalidChoice` names it; an unknown SKU is the products field's."""
    field = getattr(exc, "field", None)
    if field:
        return str(field)
    if "SKU" in exc.message or "product" in exc.message.lower():
        return "skus"
    return None


def error_box(elem_id: str) -> gr.Markdown:
    """An empty line under a field that shows its error until the next action (role=alert for screen readers)."""
    return gr.Markdown("", elem_id=elem_id, elem_classes=["mka-error"])


def with_progress(work: Callable[[], Any], step: str) -> Iterator[tuple[str, Any, BaseException | None]]:
    """Run `work` in a thread; yield ("⏳ step · N s", None, None) every second while it runs, then ("", result, error).

    Gradio shows each yield at once, so the marketer sees what is happening and for how long, and the page stays
    usable (nothing typed elsewhere is touched).
    """
    box: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # handed to the caller, which shows it beside its field
            box["error"] = exc
        finally:
            done.set()

    started = time.monotonic()
    threading.Thread(target=run, daemon=True, name="workspace-job").start()
    yield f"⏳ {step}…", None, None
    while not done.wait(TICK_S):
        yield f"⏳ {step}… {time.monotonic() - started:.0f} s", None, None
    yield "", box.get("result"), box.get("error")


def download(export: ExportFile) -> str:
    """The export as a file under its own name in a fresh temp folder (Gradio serves files from the temp folder)."""
    folder = Path(tempfile.mkdtemp(prefix="mka-export-"))
    path = folder / export.filename
    path.write_bytes(export.content)
    return str(path)


def dataframe(table: tuple[list[str], list[list[Any]]], widths: list[str] | None = None) -> Any:
    """A table update; `widths` (one per column) keep short numeric columns from squeezing their headers."""
    headers, rows = table
    if widths is not None and len(widths) == len(headers):
        return gr.Dataframe(value=rows, headers=headers, column_widths=widths)
    return gr.Dataframe(value=rows, headers=headers)


def empty_table(table: tuple[list[str], list[list[Any]]]) -> dict[str, Any]:
    """A Dataframe's arguments before its first load: its own column names (Gradio would number them "1 2 3")."""
    headers, _ = table
    return {"headers": headers, "value": [], "column_count": len(headers)}


ERROR_CSS = (
    ".mka-error { color: #a61b1b; font-weight: 600; min-height: 0; }"
    # column names break between words, never inside one ("Customer s"): a narrow column grows instead
    " .table-container th, .table-container th * { word-break: normal !important; overflow-wrap: normal !important;"
    " hyphens: manual; }"
)
