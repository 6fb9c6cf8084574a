"""How a tool is declared: a typed Python function, its docstring, and the roles allowed to run it.

The JSON schema offered to a model comes from the signature (pydantic), the description from the docstring. The role
check happens in `Tool.run`, where the tool executes, whatever the model or the router asked for.

    @tool(roles={"marketer"})
    def segment_members(ctx: ToolContext, segment: str, limit: int = 50) -> dict:
        '''List the customers of one segment.'''
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ConfigDict, ValidationError, create_model

from assistant.errors import BadInput, Forbidden

Role = Literal["customer", "marketer"]
ROLES: frozenset[str] = frozenset({"customer", "marketer"})


@dataclass
class ToolContext:
    """Who is calling and the services a tool may use. `customer_id` is set only for an identified customer."""

    role: Role
    customer_id: str | None = None
    session_id: str | None = None
    services: dict[str, Any] = field(default_factory=dict)  # settings, knowledge base, models, llm, db engine
    user: str | None = None  # the marketer's login name, when the door knows it (records who drafted)
    client: str | None = (
        None  # the caller's client address, when the door knows it (fairness between senders)
    )

    def service(self, name: str) -> Any:
        try:
            return self.services[name]
        except KeyError as exc:  # a wiring mistake, not the caller's fault
            raise RuntimeError(f"tool service {name!r} is not available in this context") from exc


@dataclass(frozen=True)
class Tool:
    """A callable tool with its schema and its allowed roles."""

    name: str
    description: str
    roles: frozenset[str]
    func: Callable[..., Any]
    args_model: type

    @property
    def json_schema(self) -> dict[str, Any]:
        """The OpenAI-style function schema: {"name", "description", "parameters"}."""
        params = self.args_model.model_json_schema()
        params.pop("title", None)
        return {"name": self.name, "description": self.description, "parameters": params}

    def allowed(self, role: str) -> bool:
        return role in self.roles

    def run(self, ctx: ToolContext, arguments: dict[str, Any] | None = None) -> Any:
        """Check the caller's role, validate the arguments against the signature, and run the tool."""
        if not self.allowed(ctx.role):
            raise Forbidden(f"the tool {self.name!r} is not available to a {ctx.role}")
        try:
            args = self.args_model.model_validate(arguments or {})
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'arguments'}: {e['msg']}" for e in exc.errors()
            )
            raise BadInput(f"bad arguments for {self.name}: {problems}") from exc
        return self.func(ctx, **args.model_dump())


def tool(
    *, roles: set[str] | frozenset[str], name: str | None = None
) -> Callable[[Callable[..., Any]], Tool]:
    """Turn `func(ctx, **typed_args)` into a `Tool` allowed for `roles`."""
    unknown = set(roles) - ROLES
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def wrap(func: Callable[..., Any]) -> Tool:
        signature = inspect.signature(func, eval_str=True)  # resolves `from __future__ import annotations`
        fields: dict[str, Any] = {}
        for index, (pname, param) in enumerate(signature.parameters.items()):
            if index == 0:
                continue  # the ToolContext
            if param.annotation is inspect.Parameter.empty:
                raise TypeError(f"tool {func.__name__}: parameter {pname!r} needs a type annotation")
            default = ... if param.default is inspect.Parameter.empty else param.default
            fields[pname] = (param.annotation, default)
        args_model = create_model(f"{func.__name__}_args", __config__=ConfigDict(extra="forbid"), **fields)
        doc = inspect.getdoc(func) or ""
        if not doc:
            raise TypeError(f"tool {func.__name__} needs a docstring: it is the description the model sees")
        return Tool(
            name=name or func.__name__,
            description=doc.split("\n\n")[0].replace("\n", " "),
            roles=frozenset(roles),
            func=func,
            args_model=args_model,
        )

    return wrap
