"""One runner for every ``advisor calibrate <kind>``.

A kind supplies a :class:`SweepRequest`: its options as one frozen dataclass that checks itself,
the plan of its sweep (after any probe of the device), how to run that plan, and how a point and
the saved section read. The runner owns everything else, in this order, for every kind: the
extra's check, the request's own checks, the profile's name (a shipped name is refused), the
profile's lock, the refusals of ``--resume``/``--fresh``, the device lock (taken before any probe,
moved if the probe names another device), the plan printed first, the sweep under a progress bar
with SIGTERM taken as Ctrl-C, and the saved profile shown as a table or JSON.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Protocol

from advisor import catalog
from advisor.console import err
from advisor.errors import BadInput
from advisor.sweeping import (
    FreshOption,
    NoWaitOption,
    ResumeOption,
    SavedJsonOption,
    StrictOption,
    claim_device,
    claim_likely_device,
    run_sweep,
    run_with_progress,
    show_saved,
)
from profiler.checks import UNFINISHED_STATUSES


class Say(Protocol):
    """How a kind tells the user, on stderr, what its plan or finishing work waits on: ``text`` is
    shown as it is; with ``terminal_only`` only on a terminal (a notice that would break a log's
    one-line refusal)."""

    def __call__(self, text: str, terminal_only: bool = False) -> None: ...


def say(text: str, terminal_only: bool = False) -> None:
    """The runner's :class:`Say`: a line on stderr."""
    if not terminal_only or err.is_terminal:
        err.print(text, markup=False)


@dataclass(frozen=True)
class Progress:
    """How the progress display reads a sweep's events (:func:`advisor.sweeping.run_with_progress`)."""

    label: Callable[[Any], str]
    ok_text: Callable[[Any], str]
    error_chars: int = 100
    shown: tuple[str, ...] = ()
    states: dict[str, Callable[[Any], str]] = field(default_factory=dict)


@dataclass(frozen=True)
class SweepPlan:
    """What a request will measure: its sweep spec, the device it measures on (``"cpu"`` or
    ``"gpu"``), the points on the progress bar, the plan's lines printed before anything runs, and
    what the probe found (passed back to :meth:`SweepRequest.sweep`)."""

    spec: Any
    platform: str
    total: int
    lines: tuple[str, ...] = ()
    found: Any = None


@dataclass(frozen=True, kw_only=True)
class SweepRequest(abc.ABC):
    """A kind's calibrate options and what the runner asks of them. Subclasses are frozen
    dataclasses with a ``name`` field and their own options; the options every calibrate command
    ends with (``resume``, ``fresh``, ``no_wait``, ``strict``, ``json_output``) are declared here
    (a kind may declare one again for its own help)."""

    kind: ClassVar[str]
    #: the kind as refusals name it ("MJX", "RLlib", ...)
    title: ClassVar[str]
    #: the extra the sweep needs (``None``: the core install runs it)
    extra: ClassVar[str | None] = None
    #: what the sweep's refusal of an empty result suggests (e.g. "smaller --num-envs")
    smaller: ClassVar[str] = "smaller --num-envs"
    #: the command has ``--quick`` (named in that refusal)
    has_quick: ClassVar[bool] = True
    #: the plan's lines are printed with ``--json`` too (on stderr)
    plan_in_json: ClassVar[bool] = False

    resume: ResumeOption = False
    fresh: FreshOption = False
    no_wait: NoWaitOption = False
    strict: StrictOption = False
    json_output: SavedJsonOption = False

    def check(self) -> None:
        """Refuse bad options (``BadInput``) before anything starts; may need the kind's extra."""

    def profile_name(self) -> str:
        """The profile to save into (``--name``, or the kind's default)."""
        if self.name is None:
            raise BadInput("--name is required: the profile to save this sweep's measurements into")
        return self.name

    def precheck(self, profile_name: str) -> None:
        """Refusals that need the profile's name (e.g. an unfinished sweep and ``--resume``)
        before the device is waited for."""
        self.preflight(None, profile_name)

    def preflight(self, spec: Any, profile_name: str) -> Any:
        """The sweep engine's refusals of ``spec`` (``None``: settings not known yet) in this
        profile; returns the existing profile, if any."""
        from profiler.engine import preflight

        return preflight(spec, self.kind, self.title, profile_name, resume=self.resume, fresh=self.fresh)

    def likely_platform(self) -> str | None:
        """The device the sweep most likely measures, to lock before the probe (``None``: a GPU
        when one is visible, else the CPU)."""
        return None

    @abc.abstractmethod
    def plan(self, profile_name: str, say: Say) -> SweepPlan:
        """What the sweep will measure (probing the device where the kind must; ``say`` tells the
        user what a probe is waiting on)."""

    @abc.abstractmethod
    def sweep(self, plan: SweepPlan, profile_name: str, on_event: Callable[[Any], None], **options: Any) -> Any:
        """Run ``plan`` and return the saved profile (``options``: resume, fresh, claim, strict)."""

    @abc.abstractmethod
    def progress(self) -> Progress:
        """How the progress display reads this sweep's events."""

    @abc.abstractmethod
    def table(self, section: Any, profile_name: str) -> Any:
        """The saved section's table."""

    @abc.abstractmethod
    def next_hint(self, profile_name: str) -> str:
        """The command to run next, printed last."""

    def finish(self, profile: Any, plan: SweepPlan, profile_name: str,
               say: Say) -> tuple[Any, Callable[[], list[str]] | None]:
        """After the sweep: the profile to show (work after the sweep may have saved more; ``say``
        tells the user what it is doing) and the lines printed after its table."""
        return profile, None


def calibrate(request: SweepRequest) -> int:
    """Check, plan, lock, run and show ``request``'s sweep (the module docstring's order)."""
    from profiler.devicelock import SweepClaim

    if request.extra is not None:
        from profiler.extras import require_extra

        require_extra(f"advisor calibrate {request.kind}", request.extra)
    request.check()
    name = request.profile_name()
    if name in catalog.shipped_names():
        raise BadInput(f"--name {name!r} is a shipped profile's name; choose another")
    if request.resume and request.fresh:
        raise BadInput("--resume continues a sweep and --fresh discards it; give one of them")
    claim = SweepClaim(name)  # another live sweep of this profile: refused before anything starts
    request.precheck(name)  # refusals come before the device and any probe
    claim_likely_device(claim, request.likely_platform(), request.no_wait)  # a busy device: waited for first
    plan = request.plan(name, say)
    existing = request.preflight(plan.spec, name)
    section = existing.section(request.kind) if request.resume and existing is not None else None
    accelerator = getattr(section, "accelerator", None)  # a resumed sweep measures where it began
    claim_device(claim, accelerator.platform if accelerator is not None else plan.platform, request.no_wait)
    if plan.lines and (request.plan_in_json or not request.json_output):
        for line in plan.lines:
            err.print(line, markup=False)
    shown = request.progress()
    # a resumed sweep's bar starts at the points it keeps
    kept = sum(p.status not in UNFINISHED_STATUSES for p in getattr(section, "points", ()))
    profile = run_sweep(request.kind, name, lambda: run_with_progress(
        plan.total, lambda on_event: request.sweep(plan, name, on_event, resume=request.resume, fresh=request.fresh,
                                                   claim=claim, strict=request.strict),
        shown.label, shown.ok_text, shown.error_chars, shown=shown.shown, states=shown.states, completed=kept))
    profile, extra = request.finish(profile, plan, name, say)
    return show_saved(profile, request.kind, name, request.json_output, lambda s: request.table(s, name),
                      request.smaller, request.next_hint(name), extra, quick=request.has_quick)
