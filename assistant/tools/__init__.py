"""Assistant tools: typed functions with role checks and typed results. `all_tools()` collects them by name.

Tools run only through the role policy (`assistant.conversation.policy.Policy.run`), whichever door asked.
"""

from __future__ import annotations

from assistant.tools import (
    campaign_results,
    catalog,
    catalog_query,
    copy,
    copy_check,
    demand,
    handoff,
    recommend,
    reviews,
    segments,
)
from assistant.tools.base import Tool, ToolContext, tool
from assistant.tools.results import ToolResult

# Modules that define tools (module-level `Tool` objects).
_TOOL_MODULES = (
    catalog,
    catalog_query,
    recommend,
    segments,
    copy,
    copy_check,
    handoff,
    campaign_results,
    reviews,
    demand,
)


def all_tools() -> dict[str, Tool]:
    """Every tool defined in the tool modules, by name."""
    return {
        value.name: value
        for module in _TOOL_MODULES
        for value in vars(module).values()
        if isinstance(value, Tool)
    }


def tools_for(role: str) -> dict[str, Tool]:
    """The tools a role may run."""
    return {name: t for name, t in all_tools().items() if t.allowed(role)}


__all__ = ["Tool", "ToolContext", "ToolResult", "all_tools", "tool", "tools_for"]
