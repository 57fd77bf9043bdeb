"""The ``advisor`` command line: generic Typer commands over the pure core (the app is in
:mod:`advisor.cli.app`). Importing this package, or its helpers (:mod:`advisor.console`),
builds no command, so the kinds can use the helpers without importing every command."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code (see :func:`advisor.cli.app.main`)."""
    from advisor.cli.app import main as run

    return run(argv)
