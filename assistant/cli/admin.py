"""`mka admin`: credentials for operators.

mka admin hash-password            # prompts twice; prints the value for MKA_MARKETER_PASSWORD_HASH
mka admin sign-customer C123       # prints a widget token for customer C123, signed with the widget secret
mka admin rotate-secrets           # new session and widget secrets in <data_dir>/secrets.json
"""

from __future__ import annotations

import sys

import typer

from assistant.errors import AssistantError
from assistant.security import hash_password, sign_customer, verify_customer_token

app = typer.Typer(
    help="Operator tools: password hashes, signed customer tokens, secret rotation.", no_args_is_help=True
)


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
    """Print a signed customer token (for the widget's data-customer-token), signed with the server's widget secret
    (MKA_WIDGET_SECRET, else the one stored in the data directory, generated now if there is none yet)."""
    from assistant.secret_store import ensure_secrets
    from assistant.settings import Settings

    settings = Settings()
    try:
        ensure_secrets(settings)
        secret = settings.widget_secret.get_secret_value()  # type: ignore[union-attr]
        token = sign_customer(customer_id, secret, ttl_s=ttl)
        verify_customer_token(token, secret)  # round-trip check: never print a token the server would refuse
    except AssistantError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(token)


@app.command("rotate-secrets")
def rotate_secrets_cmd(
    only: list[str] = typer.Option(
        None,
        "--only",
        help="Rotate just this one (session_secret or widget_secret); repeatable. Default: all.",
    ),
) -> None:
    """Replace the stored session and widget secrets with new random ones (restart the server afterwards).

    A new session secret logs every marketer out; a new widget secret invalidates every customer token the shop has
    signed, so the shop's server must sign with the new one (`mka admin sign-customer`).
    """
    from assistant.secret_store import SECRET_SETTINGS, rotate_secrets
    from assistant.settings import Settings

    settings = Settings()
    try:
        path, names = rotate_secrets(settings, only or None)
    except AssistantError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"rotated {', '.join(names)} in {path} (mode 0600); restart the server to use them")
    for name in names:
        if getattr(settings, name) is not None:
            typer.echo(
                f"warning: {SECRET_SETTINGS[name]} is set and still wins over the stored {name}; change it there",
                err=True,
            )
