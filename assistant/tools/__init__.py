"""Assistant tools: typed functions with role checks. `all_tools()` collects every registered tool by name."""

from __future__ import annotations

import importlib

from assistant.tools.base import Tool, ToolContext, tool

# Modules that define tools (module-level `Tool` objects). Missing ones are skipped while rooms are being built.
_TOOL_MODULES = [
    "assistant.tools.catalog",  # search_docs, search_products, get_product
    "assistant.tools.recommend",  # recommend_products, similar_products
    "assistant.tools.segments",  # list_segments, segment_profile, segment_members, customer_summary
    "assistant.tools.copy",  # draft_copy
    "assistant.tools.handoff",  # request_handoff
]


def all_tools() -> dict[str, Tool]:
    """Every tool defined in the tool modules, by name."""
    found: dict[str, Tool] = {}
    for module_name in _TOOL_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        for value in vars(module).values():
            if isinstance(value, Tool):
                found[value.name] = value
    return found


def tools_for(role: str) -> dict[str, Tool]:
    """The tools a role may run."""
    return {name: t for name, t in all_tools().items() if t.allowed(role)}


__all__ = ["Tool", "ToolContext", "tool", "all_tools", "tools_for"]
