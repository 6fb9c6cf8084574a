"""`mka admin`: credentials for operators.

mka admin hash-password            # prompts twice; prints the value for MKA_MARKETER_PASSWORD_HASH
mka admin sign-customer C123       # prints a widget token for customer C123, signed with MKA_WIDGET_SECRET
"""

from __future__ import annotations

import sys

import typer

from assistant.errors import AssistantError
from assistant.security import hash_password, sign_customer, verify_customer_token

app = typer.Typer(help="Operator tools: password hashes and signed customer tokens.", no_args_is_help=True)


@app.command("hash-password")
def hash_password_cmd(
    password: str = typer.Option(
        None,
        "--password",
        help="The password (prompted, hidden, when omitted; prefer the prompt: arguments end up in shell history).",
    ),
    stdin: bool = typer.Option(
        False, "--stdin", help="Read the password from the first line of standard input."
    ),
) -> None:
    """Print a PBKDF2-SHA256 hash of a marketer password, for MKA_MARKETER_PASSWORD_HASH."""
    if stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        typer.echo(hash_password(password))
    except AssistantError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from exc


@app.command("sign-customer")
def sign_customer_cmd(
    customer_id: str = typer.Argument(..., help="The shop's customer id to vouch for."),
    ttl: int = typer.Option(86400, "--ttl", min=1, help="Seconds until the token expires."),
) -> None:
    """Print a signed customer token (for the widget's data-customer-token), signed with MKA_WIDGET_SECRET."""
    from assistant.settings import Settings

    settings = Settings()
    secret = settings.widget_secret.get_secret_value()
    if secret.startswith("change-me"):
        typer.echo(
            "warning: MKA_WIDGET_SECRET is the demo default; set your own secret in production", err=True
        )
    try:
        token = sign_customer(customer_id, secret, ttl_s=ttl)
        verify_customer_token(token, secret)  # round-trip check: never print a token the server would refuse
    except AssistantError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(token)
