"""`mka chat`: the assistant in a terminal, streamed answers, then sources and tool calls."""

from __future__ import annotations

import time
from collections.abc import Iterator

import typer
from rich.console import Console
from rich.table import Table

from assistant.conversation.reply import Caller, CitationEvent, DoneEvent, Reply, TokenEvent, ToolCallEvent
from assistant.errors import AssistantError
from assistant.settings import Settings

console = Console()
err = Console(stderr=True)
QUIT = {"exit", "quit", "bye!", ":q", "/exit", "/quit"}


def _print_extras(reply: Reply, first_token_s: float | None, total_s: float) -> None:
    """Citations and tool calls under the streamed text, then the action and timings."""
    if reply.citations:
        table = Table(title="sources", title_justify="left", show_edge=False, pad_edge=False)
        table.add_column("#", justify="right")
        table.add_column("title")
        table.add_column("link", style="cyan")
        for cit in reply.citations:
            table.add_row(str(cit.n), cit.title, cit.url or cit.source)
        console.print(table)
    if reply.tool_calls:
        table = Table(title="tool calls", title_justify="left", show_edge=False, pad_edge=False)
        table.add_column("tool")
        table.add_column("ok")
        table.add_column("what happened")
        for call in reply.tool_calls:
            table.add_row(call.name, "[green]yes[/]" if call.ok else "[red]no[/]", call.summary)
        console.print(table)
    ftt = f"first token {first_token_s:.2f} s, " if first_token_s is not None else ""
    console.print(
        f"[dim]{reply.action} · {reply.intent} · {ftt}total {total_s:.2f} s · turn {reply.turn_id}[/]"
    )


def _chat_turn(bot, message: str, caller: Caller, session_id: str | None) -> str:
    started = time.perf_counter()
    first: float | None = None
    reply: Reply | None = None
    console.print("[bold magenta]assistant>[/] ", end="")
    for event in bot.stream_turn(message, caller, session_id):
        if isinstance(event, TokenEvent):
            if first is None:
                first = time.perf_counter() - started
            console.print(event.text, end="", markup=False, highlight=False, soft_wrap=True)
        elif isinstance(event, DoneEvent):
            reply = event.reply
        elif isinstance(event, ToolCallEvent | CitationEvent):
            pass  # shown together under the answer
    console.print()
    assert reply is not None
    if first is None and reply.text:  # nothing streamed: show the stored text
        console.print(reply.text)
    _print_extras(reply, first, time.perf_counter() - started)
    return reply.session_id


def _open(settings: Settings):
    """The application API, warmed up; exits with the error when the models or the index cannot load."""
    from assistant.api import Assistant

    bot = Assistant.from_settings(settings)
    with err.status("loading the assistant (embedding model, knowledge base)..."):
        try:
            bot.warm_up()
        except AssistantError as exc:
            err.print(f"[red]{exc.message}[/]")
            raise typer.Exit(1) from exc
    kb = bot.services.get("kb")
    if kb is not None and kb.count() == 0:
        err.print(
            "[yellow]the knowledge base is empty: run `mka demo prepare` or `mka kb sync <folder>` first[/]"
        )
    return bot


def _messages(scripted: list[str]) -> Iterator[str]:
    """The messages to send: the scripted ones (then stop), or what the user types until they leave."""
    for text in scripted:
        console.print(f"[bold cyan]you>[/] {text}")
        yield text
    while not scripted:
        try:
            text = console.input("[bold cyan]you>[/] ")
        except (EOFError, KeyboardInterrupt):
            console.print()
            return
        yield text


def register(root: typer.Typer) -> None:
    """Add `chat` to the `mka` app."""

    @root.command()
    def chat(
        role: str = typer.Option("customer", "--role", help="customer or marketer"),
        customer: str | None = typer.Option(None, "--customer", help="act as this (identified) customer id"),
        session: str | None = typer.Option(None, "--session", help="continue this conversation"),
        message: list[str] = typer.Option(None, "--message", "-m", help="send these messages and exit"),
    ) -> None:
        """Chat with the assistant in the terminal: streamed answers, then sources and tool calls."""
        if role not in ("customer", "marketer"):
            err.print(f"[red]--role must be customer or marketer, not {role!r}[/]")
            raise typer.Exit(2)
        if customer and role != "customer":
            err.print("[red]--customer is for the customer role[/]")
            raise typer.Exit(2)
        bot = _open(Settings())
        caller = Caller(role=role, customer_id=customer, client="terminal")
        session_id = session
        scripted = list(message or [])
        if not scripted:
            console.print(
                f"[dim]chatting as {role}{' ' + customer if customer else ''}; type 'exit' to leave[/]"
            )
        for text in _messages(scripted):
            if text.strip().lower() in QUIT:
                break
            if not text.strip():
                continue
            try:
                session_id = _chat_turn(bot, text, caller, session_id)
            except AssistantError as exc:  # bad input, a foreign session...: say so and keep the chat open
                console.print()
                err.print(f"[red]{exc.message}[/]")
                if exc.status_code in (
                    403,
                    404,
                ):  # a session that is not ours or not there: nothing to continue
                    raise typer.Exit(1) from exc
        if session_id:
            console.print(f"[dim]session {session_id} (continue with --session {session_id})[/]")
