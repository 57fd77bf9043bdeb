"""Shared CLI plumbing: consoles, JSON output and option parsing helpers."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from typing import Any, Iterator

from rich.console import Console

#: Human-readable output. Errors and progress go to stderr so stdout stays clean for data.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """Write ``data`` as JSON to stdout (plain write: no styling, nothing else on stdout)."""
    sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()


def parse_layers(text: str, what: str = "--hidden-layers") -> tuple[int, ...]:
    from advisor.errors import BadInput

    items = [t.strip() for t in text.split(",") if t.strip()]
    try:
        layers = tuple(int(t) for t in items)
    except ValueError:
        raise BadInput(f"{what} must be comma-separated layer widths such as 512,256") from None
    if not layers or any(w < 1 or w > 65536 for w in layers):
        raise BadInput(f"{what} must be comma-separated layer widths between 1 and 65536, e.g. 512,256")
    return layers


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C inside the block, so both end the command the same clean way
    (children ended, finished work kept)."""
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
