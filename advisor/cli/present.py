"""The one place a kind's :class:`~advisor.answer.Answer` is shown: JSON with ``--json`` (nothing
else on stdout), else text; the file ``-o`` names; the exit code. Long work a kind hands over as a
:class:`~advisor.answer.Job` runs here under the progress bar."""

from __future__ import annotations

from advisor.answer import Answer, Job, Markup, Verbatim
from advisor.console import err, out, print_json, refuse_invalid, sigterm_as_interrupt, write_output
from advisor.errors import CalibrationInterrupted, NoRecommendation


def _show(parts) -> None:
    for part in parts:
        if isinstance(part, Markup):
            out.print(part)
        elif isinstance(part, Verbatim):
            out.print(part, markup=False, end="")
        elif isinstance(part, str):
            out.print(part, markup=False)
        else:
            out.print(part)


def present(answer: Answer, json_output: bool) -> int:
    """Show ``answer`` (see :class:`~advisor.answer.Answer` for the order); the exit code: 0; 1 for
    a refusal (:class:`~advisor.errors.NoRecommendation`) or an answer not found; 2 when an entry was
    invalid."""
    if json_output:
        if answer.data is not None:
            print_json(answer.data)
    else:
        _show(answer.head())
    if answer.refusal is not None:
        raise NoRecommendation(answer.refusal)
    if answer.written is not None:
        write_output(answer.written.path, answer.written.content(), example=answer.written.example)
    if not json_output:
        for warning in answer.warnings:
            err.print(f"warning: {warning}", markup=False)
        _show(answer.tail())
    return refuse_invalid(answer.problems) or (0 if answer.found else 1)


def run_job(job: Job, json_output: bool) -> int:
    """Run ``job`` under its progress bar (none with ``--json``) and show its answer."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    if not json_output:
        for line in job.lines:
            err.print(line, markup=False)
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn(job.unit),
                   TimeElapsedColumn(), console=err, transient=False, disable=json_output)

    def on_progress(phase: str, done: int) -> None:
        if phase in job.phases:
            bar.update(task, description=job.phases[phase])
        if phase == "update":
            bar.update(task, completed=done)
        elif phase == "done":
            bar.update(task, completed=job.total)

    try:
        with sigterm_as_interrupt(), bar:
            task = bar.add_task(job.first, total=job.total)
            answer = job.run(on_progress, lambda text: err.print(text, markup=False))
    except KeyboardInterrupt:
        raise CalibrationInterrupted(job.interrupted) from None
    return present(answer, json_output)
