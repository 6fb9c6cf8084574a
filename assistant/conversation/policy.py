"""The role policy: which tools a caller may run, and with which arguments.

Two locks on the same door. Each tool declares its roles (`Tool.run` refuses others); the policy adds the rules that
depend on the arguments: a customer may ask for recommendations only for themselves (their id comes from the
HMAC-signed widget token, verified by the API before a `Caller` exists), and tools a role may not run are never offered
to a model. Whatever the router or a model asks for goes through `Policy.check` first; a refusal is a `Forbidden` that
the agent records as a failed tool call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from assistant.conversation.reply import Caller
from assistant.errors import Forbidden
from assistant.tools import Tool, ToolContext, all_tools

# What a customer may do. Marketers may run every tool. A tool missing here is marketer-only even if it declares the
# customer role by mistake: both lists must agree before a customer runs it.
CUSTOMER_TOOLS = frozenset(
    {
        "search_docs",
        "search_products",
        "get_product",
        "query_catalog",
        "recommend_products",
        "similar_products",
        "request_handoff",
        "review_summary",  # aggregates and short quotes only (assistant.tools.reviews)
    }
)
# Arguments that name a customer: a customer may only name themselves.
_CUSTOMER_ID_ARGS = ("customer_id",)
# What each role may do besides running tools (the application API checks these on every door).
ACTIONS: dict[str, frozenset[str]] = {
    "chat": frozenset({"customer", "marketer"}),
    "feedback": frozenset({"customer", "marketer"}),
    "handoff": frozenset({"customer", "marketer"}),
    "upload_document": frozenset({"marketer"}),
    "list_handoffs": frozenset({"marketer"}),
    "segment_plot": frozenset({"marketer"}),
    "copy_options": frozenset({"marketer"}),
    # the workspace: stored drafts, exports, the handoff inbox, insights (assistant.workspace)
    "list_drafts": frozenset({"marketer"}),
    "edit_draft": frozenset({"marketer"}),
    "decide_draft": frozenset({"marketer"}),
    "more_like_this": frozenset({"marketer"}),
    "export_drafts": frozenset({"marketer"}),
    "work_handoffs": frozenset({"marketer"}),
    "read_staff_replies": frozenset({"customer", "marketer"}),
    "insights": frozenset({"marketer"}),
    "segment_view": frozenset({"marketer"}),
}


@dataclass
class Policy:
    """Decides, per caller, which tools run and with what arguments."""

    tools: Mapping[str, Tool] = field(default_factory=all_tools)
    customer_tools: frozenset[str] = CUSTOMER_TOOLS

    def allowed_tools(self, caller: Caller) -> dict[str, Tool]:
        """The tools this caller may run (the ones offered to a tool-calling model)."""
        return {name: t for name, t in self.tools.items() if self._may_run(caller, name, t)}

    def _may_run(self, caller: Caller, name: str, tool: Tool) -> bool:
        if not tool.allowed(caller.role):
            return False
        if caller.role == "customer":
            return name in self.customer_tools
        return caller.role == "marketer"

    def check(self, caller: Caller, name: str, arguments: dict[str, Any] | None) -> dict[str, Any]:
        """Return the arguments this caller may run `name` with (a customer's own id filled in); `Forbidden` if not.

        Raises `Forbidden` for an unknown tool too: a model inventing tool names learns nothing about which exist.
        """
        tool = self.tools.get(name)
        if tool is None or not self._may_run(caller, name, tool):
            raise Forbidden(f"the tool {name!r} is not available to a {caller.role}")
        args = dict(arguments or {})
        if caller.role == "customer":
            for key in _CUSTOMER_ID_ARGS:
                if key not in tool.args_model.model_fields:
                    continue
                asked = args.get(key)
                if asked not in (None, "", caller.customer_id):
                    raise Forbidden("a customer may only ask about their own account")
                # An anonymous customer keeps None: the tool then answers for nobody in particular (popular items).
                args[key] = caller.customer_id
        return args

    def run(
        self,
        caller: Caller,
        name: str,
        arguments: dict[str, Any] | None,
        services: Mapping[str, Any],
        session_id: str | None = None,
    ) -> tuple[dict[str, Any], Any]:
        """Check, then run one tool for `caller`: the only way tools run. Returns (checked arguments, result)."""
        args = self.check(caller, name, arguments)
        context = ToolContext(
            role=caller.role,
            customer_id=caller.customer_id,
            session_id=session_id,
            services=services,
            user=caller.user,
            client=caller.client,
        )
        return args, self.tools[name].run(context, args)

    def require(self, caller: Caller, action: str) -> None:
        """`Forbidden` unless the caller's role may do `action` (a key of `ACTIONS`)."""
        if caller.role not in ACTIONS.get(action, frozenset()):
            raise Forbidden(f"{action.replace('_', ' ')} is not available to a {caller.role}")
