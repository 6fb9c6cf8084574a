"""Each package's face: `__all__` lists exactly its public names (the way httpx and langchain-chroma test theirs),
and what other packages import from it is there. A change to a face is a change to this list, made on purpose."""

from __future__ import annotations

import importlib
import types

import pytest

FACES = {
    "assistant": [
        "Assistant", "AssistantAPI", "AssistantError", "BadInput", "BriefInfo", "Caller", "ChatAPI", "CitationEvent",
        "CitationOut", "ConfigError", "CopyDrafts", "CopyOptions", "CustomerSummary", "DocSearch", "DoneEvent",
        "DraftLine", "DraftRecord", "DraftVersion", "ExportFile", "Forbidden", "HandoffTicket", "InboxItem",
        "InboxMessage", "InboxPage", "InsightGroup", "InsightReport", "InvalidChoice", "LineCheck", "NearDocument", "NotFound",
        "NotTrained", "ProductInfo", "ProductSearch", "RateLimited", "Recommendations", "Reply", "SegmentDetail",
        "SegmentList", "SegmentMembers", "SegmentRecommendations", "Settings", "StaffReply", "TokenEvent",
        "ToolCallEvent", "ToolCallRecord", "TurnEvent", "Unauthorized", "Unavailable", "UploadResult", "WorkspaceAPI",
        "citation_link", "csv_writer", "render_markdown",
    ],
    "assistant.http": ["AppState", "Authenticator", "Marketer", "create_app", "state_of"],
    "assistant.tools": ["Tool", "ToolContext", "ToolResult", "all_tools", "tool", "tools_for"],
    "assistant.conversation.intents": ["IntentHandler", "handler_for", "handlers", "intent"],
    "ui": [
        "build_chat", "build_workspace", "chat_stream", "create_server", "draft_rows", "format_reply", "mount_ui",
        "record_feedback", "rows_of", "table", "workspace_caller", "write_csv",
    ],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(FACES))
def test_the_face_exports_exactly_its_public_names(name: str) -> None:
    module = importlib.import_module(name)
    assert sorted(module.__all__) == sorted(FACES[name])
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it does not define: {missing}"
    # Public names the face itself defines or takes from its own package must be listed; helpers it imports from
    # elsewhere (typing, other rooms) are not its API.
    public = {
        n
        for n, v in vars(module).items()
        if not n.startswith("_")
        and not isinstance(v, types.ModuleType)
        and str(getattr(v, "__module__", name)).startswith(name)
    }
    stray = public - set(module.__all__)
    assert not stray, f"{name} binds public names outside __all__: {sorted(stray)}"


@pytest.mark.parametrize("name", ["retrieval", "generation"])
def test_lower_layers_export_what_the_assistant_imports(name: str) -> None:
    """Every name the assistant and the UI take from a lower layer comes from its face, and the face has it."""
    import ast
    from pathlib import Path

    from assistant.settings import REPO_ROOT

    module = importlib.import_module(name)
    taken: set[str] = set()
    for path in [*Path(REPO_ROOT, "assistant").rglob("*.py"), *Path(REPO_ROOT, "ui").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == name:
                assert node.module == name, f"{path}: imports {node.module}, not the face {name}"
                taken |= {alias.name for alias in node.names}
    assert taken <= set(module.__all__), sorted(taken - set(module.__all__))
