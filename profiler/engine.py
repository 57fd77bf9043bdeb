"""The sweep engine every workload kind shares: preflight, resume, record-and-save, interruption
and progress events. A kind supplies a :class:`SweepPlan` (its grid, its settings, its measuring
child's module and how an interrupted point is recorded); the engine keeps the profile.

* Preflight refuses a sweep before anything runs (and before any progress output): a bad name, a
  damaged profile file, ``--resume`` with nothing to resume or with changed settings (named), an
  unfinished sweep that would be discarded without ``--fresh``.
* Every finished point is written into the profile atomically the moment it finishes; the
  profile's other sections are kept.
* Ctrl-C (or SIGTERM turned into it) ends the point in flight, whose process group the runner
  has already ended, records it as ``interrupted`` and re-raises, so ``--resume`` measures it
  again and nothing finished is lost.

Kinds extend :class:`Sweep` for their own phases (MJX compiles first and can prepare the next
point's process while the current one is timed); the engine knows no kind by name.
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Protocol

from profiler.checks import settings_diff
from profiler.errors import WorkloadSpecError
from profiler.hardware import fingerprint, software_versions
from profiler.measuring import MeasuringSession
from profiler.profile import Profile
from profiler.runner import Child, ChildResult
from profiler.store import advisor_home, check_name, load_profile_file, profile_path, save_profile


@dataclass(frozen=True)
class SweepEvent:
    """Progress report. ``phase`` is one of ``probe``, ``wait`` (for a device another
    calibration holds; ``message`` names it), ``compile``, ``compiled``, ``start``
    (a point starts), ``measure`` (its timed process runs; with a ``message`` when a contended
    point is measured again), ``run`` (one run of a point's command starts; ``message`` says
    which), ``done`` (``point`` set, or ``None``
    for a point that was not run) or ``adapt`` (a point was added); ``key`` is the point's key
    (num_envs, or (runners, envs per runner)); ``index`` counts from 0 over ``total`` points."""

    phase: str
    total: int
    key: Any = None
    point: Any = None
    message: str = ""
    index: int = 0


class SweepPlan(Protocol):
    """What a kind's sweep measures. ``kind`` names the profile section; ``title`` is how
    messages name the sweep (``MJX``, ``RLlib``); ``module`` is the measuring child."""

    kind: str
    title: str
    module: str
    repeats: int
    timeout_s: float

    @property
    def settings(self) -> dict[str, Any]:
        """What a resumed sweep must share with the interrupted one, as stored in JSON."""

    def interrupted_point(self, key: Any) -> Any:
        """The point recorded for ``key`` when Ctrl-C stops it."""


def require_num_envs(num_envs: tuple[int, ...], example: str) -> None:
    """A sweep spec's refusal of an empty ``num_envs`` (``WorkloadSpecError``, suggesting
    ``--num-envs <example>``)."""
    if not num_envs:
        raise WorkloadSpecError(f"the sweep has no num_envs values; give --num-envs {example}")


def new_profile(name: str) -> Profile:
    """An empty calibrated profile of this machine."""
    return Profile(name=name, source="calibrated", created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                   hardware=fingerprint(), software=software_versions())


def changed_settings(section: Any, plan: SweepPlan) -> list[str]:
    """``name: old -> new`` for every setting of ``plan`` that differs from the stored sweep's
    (the timeout may change: a longer one is how a resumed sweep gets past a slow point)."""
    changes = settings_diff(dict(section.sweep_settings), plan.settings)
    if section.repeats and section.repeats != plan.repeats:
        changes.append(f"repeats: {section.repeats} -> {plan.repeats}")
    return changes


def preflight(plan: SweepPlan | None, kind: str, title: str, profile_name: str, *, resume: bool,
              fresh: bool) -> Profile | None:
    """Everything that refuses a sweep of ``kind`` before it starts (module docstring); ``plan``
    may be ``None`` when the settings are not known yet. Returns the existing profile, if any."""
    check_name(profile_name)
    path = profile_path(profile_name)
    existing = load_profile_file(path) if path.exists() else None
    old = existing.section(kind) if existing is not None else None
    if resume:
        if old is None:
            raise WorkloadSpecError(f"nothing to resume: profile {profile_name!r} has no {title} sweep; run without --resume")
        changed = changed_settings(old, plan) if plan is not None else []
        if changed:
            raise WorkloadSpecError(
                f"--resume needs the same settings as the interrupted sweep of {profile_name!r} (changed: "
                f"{'; '.join(changed)[:300]}); repeat the original options, or run without --resume to start over")
    elif old is not None and old.unfinished_keys() and not fresh:
        raise WorkloadSpecError(
            f"profile {profile_name!r} holds an unfinished {title} sweep ({len(old.unfinished_keys())} point(s) to go); "
            "add --resume to continue it, or --fresh to discard it and start over")
    return existing


class Sweep:
    """One run of a sweep: the profile so far, saved atomically after every change.

    ``begin`` puts the kind's section (new, or the resumed one) into the profile and saves it;
    ``record`` adds a finished point; ``run_point`` runs one measuring child and, on Ctrl-C,
    records the point as interrupted before re-raising. Between :meth:`hold` and :meth:`release`
    the sweep holds its profile's and device's locks and judges every child it waits for by
    what other processes did meanwhile (:class:`profiler.measuring.MeasuringSession`);
    :meth:`marked` puts that judgement on the point."""

    def __init__(self, plan: SweepPlan, profile_name: str, existing: Profile | None,
                 on_event: Callable[[SweepEvent], None] = lambda event: None):
        self.plan, self.name, self.on_event = plan, profile_name, on_event
        self.path = profile_path(profile_name)
        self.workdir = advisor_home() / "runs" / profile_name
        self.profile = existing or new_profile(profile_name)
        self.session: MeasuringSession | None = None
        self.judged: tuple[Any, int] = (None, 1)  # (contention, measurements) of the last child waited for
        #: While a finished point is measured again: Ctrl-C keeps it as it was instead of recording
        #: the point as interrupted.
        self.keep_point_on_interrupt = False

    def hold(self, platform: str, *, claim: Any = None, strict: bool = False, cluster: bool = False) -> None:
        """Take the profile's and ``platform``'s device locks (``claim``: the caller's, else taken
        here, waiting for a busy device) and start recording contention; ``strict`` re-measures
        or refuses contended points; ``cluster``: Ray's processes here run this sweep's work."""
        self.session = MeasuringSession.open(
            self.name, platform, claim=claim, strict=strict, cluster=cluster,
            on_wait=lambda text: self.on_event(SweepEvent("wait", 0, message=text)),
            steady_wait_s=getattr(self.plan, "steady_wait_s", 0.0))

    def release(self) -> None:
        """Stop recording contention and free the locks :meth:`hold` took."""
        if self.session is not None:
            self.session.close()
            self.session = None

    def marked(self, point: Any) -> Any:
        """``point`` with the contention of the child last waited for (refused under ``strict``
        if still contended)."""
        contention, tries = self.judged
        self.judged = (None, 1)
        return self.session.mark(point, contention, tries) if self.session is not None else point

    @property
    def section(self) -> Any:
        return self.profile.section(self.plan.kind)

    def begin(self, section: Any) -> None:
        """Start (or resume) with ``section``; the profile's other sections are kept."""
        self.profile = dataclasses.replace(self.profile.with_section(self.plan.kind, section), source="calibrated",
                                           hardware=fingerprint(), software=software_versions())
        self.save()

    def save(self) -> None:
        save_profile(self.profile, self.path)

    def record(self, point: Any) -> None:
        """Add (or replace) ``point`` and save at once."""
        self.profile = self.profile.with_section(self.plan.kind, self.section.with_point(point))
        self.save()

    def todo(self, keys: Any) -> list[Any]:
        """``keys`` not finished yet: never measured, interrupted, or only compiled."""
        from profiler.checks import UNFINISHED_STATUSES

        return [k for k in keys if self.section.find(k) is None or self.section.find(k).status in UNFINISHED_STATUSES]

    def start_child(self, spec: dict[str, Any], stem: str, **kwargs: Any) -> Child:
        return Child(self.plan.module, spec, self.workdir, stem, self.plan.timeout_s, **kwargs)

    def wait(self, key: Any, child: Child, on_interrupt: Callable[[], None] = lambda: None,
             again: Callable[[], Child] | None = None) -> ChildResult:
        """Wait for ``child``, ``key``'s measuring process, and judge its contention; under
        ``strict`` a contended point is measured again in ``again()``'s fresh process. Ctrl-C:
        ``on_interrupt`` (the kind ends what else it started), then the point is recorded as
        interrupted (unless :attr:`keep_point_on_interrupt`: a finished point measured again stays
        as it was) and the interrupt goes on."""
        try:
            if self.session is None:
                return child.wait()
            first = [child]
            result, contention, tries = self.session.timed(
                lambda: (first.pop() if first else again()).wait(),
                lambda c: again is not None and c.returncode == 0 and (c.result or {}).get("status") == "ok",
                on_retry=lambda c: self.on_event(SweepEvent("measure", 0, key, message=f"measuring again, {c.summary}")))
            self.judged = (contention, tries)
            return result
        except KeyboardInterrupt:  # the child's process group is already ended
            on_interrupt()
            self._interrupted(key)
            raise

    @contextlib.contextmanager
    def measuring_again(self) -> Any:
        """While a finished point is measured again: Ctrl-C keeps it as it was."""
        self.keep_point_on_interrupt = True
        try:
            yield
        finally:
            self.keep_point_on_interrupt = False

    def run_point(self, key: Any, spec: dict[str, Any], stem: str) -> ChildResult:
        """Run ``key``'s measuring child to its end (or its timeout), each start after a CPU in a
        slow spell has been waited for (:meth:`steady`)."""

        def start() -> Child:
            self.steady(key)
            return self.start_child(spec, stem)

        return self.wait(key, start(), again=start)

    def steady(self, key: Any) -> float:
        """Wait, where the plan allows (``steady_wait_s``), while the CPU runs slower than its
        steady speed (:meth:`profiler.measuring.MeasuringSession.steady`); the seconds waited.
        Ctrl-C meanwhile is taken as in :meth:`wait`."""
        if self.session is None:
            return 0.0
        try:
            return self.session.steady(lambda text: self.on_event(SweepEvent("measure", 0, key, message=text)))
        except KeyboardInterrupt:
            self._interrupted(key)
            raise

    def _interrupted(self, key: Any) -> None:
        """Ctrl-C at ``key``: record it as interrupted, unless a finished point is being measured
        again (:attr:`keep_point_on_interrupt`)."""
        if not self.keep_point_on_interrupt:
            self.record(self.plan.interrupted_point(key))


def probe(module: str, spec: dict[str, Any], workdir: Path, timeout_s: float) -> ChildResult:
    """Run a kind's child in probe mode (what the device or cluster is), before any section exists."""
    from profiler.runner import run_child

    return run_child(module, {**spec, "probe": True}, workdir, "probe", timeout_s)
