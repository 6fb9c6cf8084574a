"""The web front end: the Gradio pages (customer chat, marketer workspace), the embeddable widget (`static/widget.js`)
and the composition root that puts them on the HTTP API (`ui.server.create_server`). It talks to the assistant only
through its application API (`assistant.AssistantAPI`)."""

from ui.chat import build_chat, chat_stream, record_feedback
from ui.formatting import draft_rows, format_reply, rows_of, table, write_csv
from ui.server import create_server, mount_ui
from ui.workspace import build_workspace, workspace_caller

__all__ = [
    "build_chat",
    "build_workspace",
    "chat_stream",
    "create_server",
    "draft_rows",
    "format_reply",
    "mount_ui",
    "record_feedback",
    "rows_of",
    "table",
    "workspace_caller",
    "write_csv",
]
