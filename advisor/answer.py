"""What a kind's ``recommend``, ``predict`` and ``verify`` return: an :class:`Answer`, data and the
renderings of it, which the CLI layer alone shows (:func:`advisor.cli.present.present`): JSON with
``--json``, else text; the file ``-o`` names; the exit code. A kind computes and never prints,
reads ``--json`` or returns an exit code (as pip-audit's services return data and its CLI formats).

Text parts are computed only when shown (``head`` and ``tail`` are callables), so ``--json`` costs
no rendering and a recommendation that found nothing renders no config."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence


class Verbatim(str):
    """Text printed as it is, without a newline added (a config file that ends with its own)."""


class Markup(str):
    """Text with rich markup (``[bold]...[/bold]``); a plain ``str`` is shown as it is."""


@dataclass(frozen=True)
class Written:
    """A file ``-o`` names: ``path``, what goes in it (``content()``, computed when written) and an
    ``example`` file name for the error that a folder was given."""

    path: Path
    content: Callable[[], str | bytes]
    example: str = "conf.yaml"


def _nothing() -> Sequence[Any]:
    return ()


@dataclass(frozen=True)
class Answer:
    """One command's result, in the order it is shown:

    - ``data``: what ``--json`` prints (``None``: nothing, as when every input was invalid);
    - ``head()``: text shown first (rich renderables, or strings shown without markup);
    - ``refusal``: why there is no answer (a recommendation that found no config): exit 1 after
      ``data`` or ``head`` was shown, before any file is written;
    - ``written``: the file to write (``-o``);
    - ``warnings``: lines shown on stderr as ``warning: ...`` (text only);
    - ``tail()``: text shown last (the config, notes, where the file went);
    - ``problems``: entries of a list that were invalid -> one line each on stderr and exit 2
      (the valid ones were answered); ``None`` values are entries that were fine;
    - ``found``: ``False`` when the text itself says there is no answer (exit 1, no refusal line).
    """

    data: Any = None
    head: Callable[[], Sequence[Any]] = _nothing
    refusal: str | None = None
    written: Written | None = None
    warnings: tuple[str, ...] = ()
    tail: Callable[[], Sequence[Any]] = _nothing
    problems: Mapping[Any, str | None] = field(default_factory=dict)
    found: bool = True


@dataclass(frozen=True)
class Job:
    """Long work a kind hands to the CLI layer, which runs it under its progress bar (on stderr,
    off with ``--json``) with SIGTERM taken as Ctrl-C: ``lines`` are shown on stderr before it runs
    (text only); the bar counts ``total`` ``unit`` and starts as ``first``; ``run(on_progress,
    on_wait)`` does the work and returns its :class:`Answer`, calling ``on_progress(phase, done)``
    (a phase in ``phases`` renames the bar; ``"update"`` moves it to ``done``; ``"done"`` fills it)
    and ``on_wait(text)`` while it waits for the device; ``interrupted`` is the one line Ctrl-C ends
    it with (exit 130)."""

    lines: tuple[str, ...]
    total: int
    unit: str
    first: str
    phases: Mapping[str, str]
    run: Callable[[Callable[[str, int], None], Callable[[str], None]], Answer]
    interrupted: str


def recommendation_answer(rec: Any, data: Any, *, table: Callable[[], Any], lines: Callable[[], Sequence[Any]],
                          output: Path | None, output_text: Callable[[], str | bytes], example: str) -> Answer:
    """The answer of a recommendation ``rec`` (with ``profile``, ``profile_note``, ``options``,
    ``chosen`` and ``reason``): ``data`` as JSON, or the profile line and ``table()`` when it has
    options; no chosen config is a refusal; ``output_text()`` written to ``-o`` (``example`` names a
    file for its error); then the lines of ``lines()`` and where it wrote."""
    def head() -> list[Any]:
        return [Markup(f"profile: [bold]{rec.profile}[/bold] ({rec.profile_note})"), *([table()] if rec.options else [])]

    def tail() -> list[Any]:
        return [*lines(), *([Markup(f"wrote {output}")] if output is not None else [])]

    return Answer(data, head=head, refusal=rec.reason if rec.chosen is None else None,
                  written=Written(output, output_text, example) if output is not None else None, tail=tail)
