"""`python -m assistant.cli` runs the `mka` command line."""

from assistant.cli import app

app()
