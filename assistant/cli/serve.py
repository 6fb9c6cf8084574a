"""`mka serve`: prepare the demo shop (first start), then serve the app `settings.app_factory` builds with uvicorn.

The factory is named by a setting, not imported here: the default (`ui.server:create_server`) is the composition root
that puts the web pages on the API, and the assistant never imports its front ends.
"""

from __future__ import annotations

import typer
from rich.console import Console

from assistant.errors import AssistantError, ConfigError
from assistant.settings import Settings

err = Console(stderr=True)


def build_app(settings: Settings):
    """The ASGI app `settings.app_factory` ("module:function") builds for `settings`."""
    from uvicorn.importer import ImportFromStringError, import_from_string

    try:
        factory = import_from_string(settings.app_factory)
    except ImportFromStringError as exc:
        raise ConfigError(f"MKA_APP_FACTORY={settings.app_factory!r} cannot be loaded: {exc}") from exc
    return factory(settings)


def register(root: typer.Typer) -> None:
    """Add `serve` to the `mka` app."""

    @root.command()
    def serve(
        host: str | None = typer.Option(None, help="bind address (default: settings.host, 127.0.0.1)"),
        port: int | None = typer.Option(None, help="port (default: settings.port, 7860)"),
        bootstrap: bool = typer.Option(
            True, help="prepare the demo shop first when settings.bootstrap_demo is on"
        ),
    ) -> None:
        """Run the HTTP API, the web pages and the widget (prepares the demo shop on first start)."""
        import uvicorn

        from assistant.http.auth import refuse_demo_password_off_loopback
        from assistant.secret_store import ensure_secrets

        settings = Settings()
        settings.host = host or settings.host  # create_app checks the address it will really listen on
        try:
            refuse_demo_password_off_loopback(settings)  # before minutes of bootstrap, not after
            typer.echo(ensure_secrets(settings).describe(), err=True)  # one line, never wrapped
            if bootstrap and settings.bootstrap_demo:
                from assistant.bootstrap import prepare_demo

                prepare_demo(settings)
            app = build_app(settings)
        except AssistantError as exc:
            err.print(f"[red]{exc.message}[/]")
            raise typer.Exit(1) from exc
        proxies = settings.trusted_proxies
        uvicorn.run(
            app,
            host=settings.host,
            port=port or settings.port,
            log_level="info",
            # X-Forwarded-For/-Proto only from our own proxies: anyone else could pick their address (and dodge the
            # per-address rate limit) or claim HTTPS. uvicorn's own default trusts 127.0.0.1.
            proxy_headers=bool(proxies),
            forwarded_allow_ips=",".join(proxies) if proxies else None,
            server_header=False,
        )
