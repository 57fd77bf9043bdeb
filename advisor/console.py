"""Shared output plumbing for the CLI and the kinds' commands: consoles, tables, JSON output, writing
files the user named, SIGTERM as Ctrl-C."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import sys
from pathlib import Path
from typing import Any, Iterable, Iterator

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

#: Width of output that goes to a pipe or a file, which has no width of its own (rich would fold
#: tables to 80 columns); a terminal's own width, or COLUMNS, wins.
PIPE_WIDTH = 160


def _width(stream) -> int | None:
    if os.environ.get("COLUMNS", "").strip():
        return None
    try:
        return None if stream.isatty() else PIPE_WIDTH
    except (AttributeError, ValueError):
        return PIPE_WIDTH


#: Human-readable output. Errors and progress go to stderr so stdout stays clean for data.
out = Console(highlight=False, soft_wrap=True, width=_width(sys.stdout))
err = Console(stderr=True, highlight=False, soft_wrap=True, width=_width(sys.stderr))

LEFT_COLUMNS = frozenset({"status", "config", "rating", "runners x envs", "check", "detail", "name", "origin",
                          "kinds", "device", "created", "measured"})


class ResultTable(Table):
    """A table whose columns are at least as wide as their widest short cell (a figure), so on a
    narrow terminal the headers wrap before any number does."""

    SHORT_CELL = 24

    def add_row(self, *renderables, **kwargs) -> None:
        super().add_row(*renderables, **kwargs)
        for column, cell in zip(self.columns, renderables):
            if isinstance(cell, str):
                width = cell_len(Text.from_markup(cell).plain)
                if width <= self.SHORT_CELL:
                    column.min_width = max(column.min_width or 0, width)


def table(title: str, columns: Iterable[str], *, left: Iterable[str] = LEFT_COLUMNS) -> Table:
    """A results table: numbers right-aligned, and on a narrow terminal cells fold onto a second
    line instead of being cut off with an ellipsis, so no figure is ever hidden."""
    left = set(left)
    result = ResultTable(title=title, title_justify="left")
    for column in columns:
        result.add_column(column, justify="left" if column in left else "right", overflow="fold")
    return result


def print_json(data: Any) -> None:
    """Write ``data`` as JSON to stdout (plain write: no styling, nothing else on stdout)."""
    sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")
    sys.stdout.flush()


def write_output(path, data: str | bytes, what: str = "-o", example: str = "conf.yaml") -> None:
    """Write a file the user named. A regular file (or a new one) is replaced atomically; a
    symbolic link is written through to its target, and a device, pipe or socket (/dev/stdout,
    a FIFO) is written into, never replaced; a FIFO that nothing reads is refused at once rather
    than waited on. Text that starts with ``#!`` is a script: the file is made executable (as the
    umask allows). A folder, or a path that cannot be written (too long, in a missing or read-only
    folder, on a full disk), is bad input (exit 2, one line), not a traceback."""
    import errno

    from advisor.errors import BadInput
    from profiler.store import write_atomic

    path = Path(path)
    payload = data if isinstance(data, bytes) else data.encode("utf-8")
    try:
        if not str(path).strip() or path.is_dir():
            raise BadInput(f"{what} {path} is a folder; give a file path inside it, such as {path / example}")
        try:
            mode = os.stat(path).st_mode  # through links: /dev/stdout is the pipe or terminal it names
        except FileNotFoundError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
            except OSError as exc:
                if exc.errno == errno.ENXIO:  # a FIFO with no reader: writing would wait for ever
                    raise BadInput(f"{what} {path} is a FIFO that nothing is reading; start its reader first, or "
                                   "give a file path") from None
                raise
            try:
                os.set_blocking(fd, True)
                view = memoryview(payload)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
        else:
            target = Path(os.path.realpath(path))
            write_atomic(target, data)
            if isinstance(data, str) and data.startswith("#!"):
                umask = os.umask(0)
                os.umask(umask)
                target.chmod(target.stat().st_mode | (0o111 & ~umask))
    except OSError as exc:
        raise BadInput(f"{what} {path}: cannot write it ({exc.strerror or exc}); choose a writable path") from None


def refuse_invalid(problems: dict[Any, str | None]) -> int:
    """After the valid entries of a list were answered: one line on stderr for each invalid one
    (its reason and fix), and the exit code: 2 when any was invalid, else 0."""
    from advisor.errors import EXIT_BAD_INPUT

    bad = [problem for problem in problems.values() if problem]
    for problem in bad:
        err.print(f"advisor: {problem}", markup=False)
    return EXIT_BAD_INPUT if bad else 0


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


def status_cell(point) -> str:
    """A point's status for a table; an ok point timed while other processes were busy says so."""
    if not point.ok:
        return f"[red]{point.status}[/red]"
    contention = getattr(point, "contention", None)
    if getattr(point, "unsteady", False):  # repeats that still disagreed after measuring again
        return "[yellow]ok, unsteady[/yellow]"
    return "[yellow]ok, contended[/yellow]" if contention is not None and contention.contended else "ok"
