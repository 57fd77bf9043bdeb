"""What every ``advisor calibrate <kind>`` command shares: the progress bar, running the sweep with
SIGTERM taken as Ctrl-C, the message of an interrupted sweep, the saved profile's table or JSON and
the refusal of a sweep in which nothing finished."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any, Callable, Iterator

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from advisor.console import err, out, print_json, sigterm_as_interrupt
from advisor.errors import AdvisorError, CalibrationInterrupted, ProfileFormatError
from profiler.contention import section_speed_notes
from profiler.serde import to_jsonable
from profiler.store import advisor_home, load_profile_file, profile_path


@contextlib.contextmanager
def sweep_progress() -> Iterator[Progress]:
    """A progress bar over a sweep's points (on stderr), with elapsed time and ETA."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("points"),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=False) as progress:
        yield progress


#: Help of the options every calibrate command has for a busy machine.
NO_WAIT_HELP = ("When another calibration is measuring on this device (GPU, or the host CPU), exit 2 naming it "
                "instead of waiting for it to finish.")
STRICT_HELP = ("Measure a point again (up to 2 more times) when other processes used more than a quarter of a core, "
               "or the GPU, while it was timed, and refuse it (status contended; --resume retries it) if they still "
               "did. Without it such points are kept and marked.")

#: The options the calibrate commands share (typer reads an option from its alias; the default
#: stays in each command's signature).
ResumeOption = Annotated[bool, typer.Option(help="Continue an interrupted sweep of this profile with the same settings.")]
FreshOption = Annotated[bool, typer.Option(help="Discard an unfinished sweep in this profile and start over.")]
NoWaitOption = Annotated[bool, typer.Option("--no-wait", help=NO_WAIT_HELP)]
StrictOption = Annotated[bool, typer.Option("--strict", help=STRICT_HELP)]
SavedJsonOption = Annotated[bool, typer.Option("--json", help="Print the saved profile as JSON at the end.")]
PointTimeoutOption = Annotated[float, typer.Option(
    help="Seconds before one point's process is ended and recorded as a timeout.")]


def claim_device(claim, platform: str, no_wait: bool) -> None:
    """Take the device lock of a sweep on ``platform`` for ``claim`` (a
    :class:`profiler.devicelock.SweepClaim`), saying who holds it while waiting."""
    from profiler.devicelock import device_key

    claim.device(device_key(platform), wait=not no_wait, on_wait=lambda text: err.print(text, markup=False))


def claim_likely_device(claim, forced: str | None, no_wait: bool) -> str:
    """Before a probe asks the framework which device it uses: take the lock of the device the
    sweep will most likely measure (``forced``, else a GPU when NVML sees one, else the CPU), so a
    busy device refuses a ``--no-wait`` sweep before anything starts, and a probe never runs beside
    another calibration's measurements. :func:`claim_device` with the probed platform moves the
    claim if the guess was wrong. Returns the platform guessed."""
    from profiler.devicelock import visible_gpu

    platform = forced or ("gpu" if visible_gpu() is not None else "cpu")
    claim_device(claim, platform, no_wait)
    return platform


def contended_suffix(point) -> str:
    """`` (contended: ...)`` for a progress line of a point timed beside other work, else ``""``."""
    contention = getattr(point, "contention", None)
    return f" (contended: {contention.summary})" if contention is not None and contention.contended else ""


def require_finished(section, profile_name: str, smaller: str, quick: bool = True) -> None:
    """A sweep in which no point finished is a runtime failure (exit 1) that says where to look:
    the one error every point failed with, if they share it, and the options that could help
    (``quick``: the command has ``--quick``)."""
    if not section.ok_points:
        if any(p.status == "contended" for p in section.points):
            raise AdvisorError("no point finished: --strict refused every point because other processes kept the "
                               "machine busy; run again with --resume --strict when it is quiet ('advisor doctor' "
                               "shows what is running)")
        errors = {(p.error or "").strip() for p in section.points if p.status == "error"}
        shared = ""
        if len(errors) == 1 and all(p.status == "error" for p in section.points):
            first = " ".join(errors.pop().split())
            shared = f"; every point failed with: {first[:160]}{'...' if len(first) > 160 else ''}"
        tries = ("--quick, " if quick else "") + f"a longer --timeout or {smaller}"
        raise AdvisorError(f"no point finished{shared} (see the statuses above and the logs in "
                           f"{advisor_home() / 'runs' / profile_name}); fix that, or try {tries}")


def interrupted_message(profile_name: str, kind: str) -> str:
    path = profile_path(profile_name)
    kept = 0
    if path.exists():
        try:
            section = load_profile_file(path).section(kind)
            kept = sum(1 for p in (section.points if section else ()) if p.status != "interrupted")
        except ProfileFormatError:  # reported on next use; the message itself must not fail
            kept = 0
    return (f"interrupted: {kept} finished point(s) kept in profile {profile_name}; run the same command "
            "with --resume to continue")


def report_done(progress: Progress, task: Any, event: Any, label: str, ok_text: Callable[[Any], str],
                error_chars: int = 100) -> None:
    """Print a finished point's line (``label: ...``, the point's figures by ``ok_text``, or its
    status and the start of its error, or why it was not run) and advance the bar."""
    p = event.point
    if p is None:
        text = f"{label}: {event.message}"
    elif p.ok:
        text = f"{label}: {ok_text(p)}"
    else:
        text = f"{label}: {p.status} ({(p.error or '')[:error_chars]})"
    progress.console.print(text, markup=False)
    progress.advance(task)


def run_with_progress(total: int, sweep: Callable[[Callable[[Any], None]], Any], label: Callable[[Any], str],
                      ok_text: Callable[[Any], str], error_chars: int = 100, *, shown: tuple[str, ...] = (),
                      states: dict[str, Callable[[Any], str]] | None = None, completed: int = 0) -> Any:
    """``sweep(on_event)`` under a progress bar of ``total`` points (``completed`` of them finished
    before, as in a resumed sweep), its events shown: an event of a
    phase in ``shown`` puts its message on the bar (an ``adapt`` event adds a point to it first); a
    ``measure`` event's message is printed as ``label(key): message``; a phase in ``states`` puts
    ``states[phase](key)`` on the bar; ``done`` prints the point's line (:func:`report_done`)."""
    states = states or {}
    with sweep_progress() as progress:
        task = progress.add_task("starting", total=total, completed=min(completed, total))

        def on_event(event) -> None:
            if event.phase in shown:
                if event.phase == "adapt":
                    progress.update(task, total=(progress.tasks[0].total or 0) + 1)
                progress.update(task, description=event.message)
            elif event.phase == "done":
                report_done(progress, task, event, label(event.key), ok_text, error_chars)
            else:
                if event.phase == "measure" and event.message:
                    progress.console.print(f"{label(event.key)}: {event.message}", markup=False)
                if event.phase in states:
                    progress.update(task, description=states[event.phase](event.key))

        return sweep(on_event)


def run_sweep(kind: str, profile_name: str, sweep: Callable[[], Any]) -> Any:
    """``sweep()`` (it measures and saves the profile, and returns it) with SIGTERM taken as Ctrl-C;
    an interrupt leaves as the one-line message of how many finished points were kept."""
    try:
        with sigterm_as_interrupt():
            return sweep()
    except KeyboardInterrupt:
        raise CalibrationInterrupted(interrupted_message(profile_name, kind)) from None


def show_saved(profile: Any, kind: str, profile_name: str, json_output: bool, table: Callable[[Any], Any],
               smaller: str, next_hint: str, extra: Callable[[], list[str]] | None = None, quick: bool = True) -> int:
    """The end of a calibrate command: the saved profile as JSON, or ``table(section)`` and where it
    was saved; a sweep in which nothing finished is refused (exit 1) naming ``smaller``; then any
    ``extra`` lines and the next command to run."""
    section = profile.section(kind)
    if json_output:
        print_json(to_jsonable(profile))
    else:
        out.print(table(section))
        out.print(f"saved profile [bold]{profile_name}[/bold] to {profile_path(profile_name)}")
    require_finished(section, profile_name, smaller, quick)
    if not json_output:
        for line in extra() if extra is not None else ():
            out.print(line)
        for speed in section_speed_notes(section):
            out.print(f"note: {speed}")
        out.print(f"next: {next_hint}")
    return 0
