"""The MJX calibration sweep: subprocesses per point, the profile saved after every point.

1. Compile: every point's training step is compiled from shapes alone, several processes at a
   time, into JAX's persistent compilation cache; each reports compile time and XLA's memory
   analysis.
2. Measure: one point at a time, smallest first, a fresh process loads the executables from the
   cache and times training, so its peak memory is the training's, not the compiler's. On a GPU
   the next point's process is *prepared* while the current one is timed: it starts, imports,
   traces and loads its executables from the cache (host work only; no device memory), then
   waits to be released, so the per-process start-up is hidden behind the GPU's work. On CPU
   that host work would compete with the timing, so there each point starts after the last. A point
   the :class:`SweepPolicy` predicts will not fit is skipped instead of run into an OOM; a real
   out-of-memory point is recorded as the boundary and larger points are not tried. A timeout or
   crash costs that point only.
3. Adapt (with a time budget): the policy may ask for more points where the fitted curve is
   least certain, until it is content or the budget is spent.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

from profiler.engine import Sweep, SweepEvent, require_num_envs
from profiler.engine import preflight as engine_preflight
from profiler.errors import WorkloadSpecError
from profiler.extras import install_command
from profiler.jax_child import NO_GPU, failure, jax_cache_dir
from profiler.kinds.mjx.mjcf import resolve_model
from profiler.kinds.mjx.points import child_spec, point_from, shape, xla_bytes
from profiler.kinds.mjx.schema import MjxPoint, MjxSection, MjxWorkload
from profiler.minibatch import check_divisible
from profiler.profile import Accelerator, Profile
from profiler.runner import Child, ChildResult, run_child, run_parallel

POINT_MODULE = "profiler.kinds.mjx.point"

#: Default grids (num_envs). GPU: geometric from 64 until a point runs out of memory or 65536.
GPU_GRID = (64, 256, 1024, 4096, 16384, 65536)
GPU_QUICK_GRID = (256, 2048, 16384)
CPU_GRID = (16, 32, 64, 128, 256)
CPU_QUICK_GRID = (16, 64, 256)


@dataclass(frozen=True)
class MjxSweepSpec:
    """What an MJX sweep measures and how. ``platform`` forces JAX's backend (``cpu``/``gpu``);
    ``None`` lets JAX choose (GPU when it sees one). ``memory_limit_bytes`` caps each point's
    process (its data segment), so a sweep can find the boundary of a smaller machine.

    ``phases`` times each point's rollout and update phases apart as well; ``phase_minibatches``
    maps a num_envs to other minibatch counts its update phase is timed at (the minibatch axis of
    :mod:`models.phases.iteration`)."""

    workload: MjxWorkload
    num_envs: tuple[int, ...]
    repeats: int = 3
    timeout_s: float = 900.0
    physics: bool = True
    platform: str | None = None
    seed: int = 0
    memory_limit_bytes: int | None = None
    phases: bool = True
    phase_minibatches: dict[int, tuple[int, ...]] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        require_num_envs(self.num_envs, "64,256")
        if self.repeats < 1:
            raise WorkloadSpecError("--repeats must be at least 1")
        if self.timeout_s <= 0:
            raise WorkloadSpecError("--timeout must be positive seconds")
        w = self.workload
        check_divisible(self.num_envs, w.num_steps, None if w.minibatch_size is not None else w.num_minibatches)
        for n, counts in self.phase_minibatches.items():
            bad = [k for k in counts if k < 1 or (n * w.num_steps) % k]
            if bad:
                raise WorkloadSpecError(f"num_envs={n}: {n}*{w.num_steps} is not divisible by the minibatch "
                                        f"count(s) {', '.join(map(str, bad))} asked for its update phase")

    kind = "mjx"
    title = "MJX"
    module = POINT_MODULE

    @property
    def settings(self) -> dict[str, Any]:
        """The settings a resumed sweep must share with the interrupted one, as stored in JSON."""
        return json.loads(json.dumps({"workload": dataclasses.asdict(self.workload), "num_envs": list(self.num_envs),
                                      "physics": self.physics, "platform": self.platform,
                                      "memory_limit_bytes": self.memory_limit_bytes, "phases": self.phases,
                                      "phase_minibatches": {str(n): list(k) for n, k in
                                                            sorted(self.phase_minibatches.items())}}))

    def interrupted_point(self, num_envs: int) -> MjxPoint:
        return MjxPoint(**shape(self.workload, num_envs), status="interrupted",
                        error="interrupted by the user; --resume measures it again")


def probe_device(workdir: Path, platform: str | None, timeout_s: float = 300.0,
                 hint: str = "'advisor doctor' checks this machine's JAX and versions") -> Accelerator:
    """Ask a child what JAX sees (backend, device name and capacity); ``hint`` ends the refusal
    when JAX cannot start."""
    child = run_child(POINT_MODULE, {"probe": True, "platform": platform}, workdir, "probe", timeout_s)
    if not child.result or child.result.get("status") != "ok":
        reason = (child.result or {}).get("error") or child.log_tail.strip().splitlines()[-1:] or ["no output"]
        if isinstance(reason, str) and NO_GPU in reason:
            raise WorkloadSpecError(reason[reason.index(NO_GPU):])
        raise WorkloadSpecError(f"JAX could not start here ({reason if isinstance(reason, str) else reason[0]}); "
                                f"{install_command('mjx')} installs the known-good JAX; {hint}")
    device = child.result["device"]
    return Accelerator(device["platform"], device["name"], device.get("memory_bytes"))


def default_grid(platform: str, quick: bool) -> tuple[int, ...]:
    if platform == "cpu":
        return CPU_QUICK_GRID if quick else CPU_GRID
    return GPU_QUICK_GRID if quick else GPU_GRID


class SweepPolicy(Protocol):
    """Decisions the sweep delegates (the advisor layer supplies model-driven ones)."""

    def skip_reason(self, section: MjxSection, num_envs: int, xla_bytes: int | None) -> str | None:
        """Why ``num_envs`` should not be run (predicted not to fit), or ``None`` to run it."""

    def next_point(self, section: MjxSection) -> int | None:
        """Another num_envs worth measuring, or ``None`` when the curves are good enough."""


class BasicPolicy:
    """No model: skip a point only when XLA's buffers alone exceed the device; no extra points."""

    def skip_reason(self, section: MjxSection, num_envs: int, xla_bytes: int | None) -> str | None:
        capacity = section.accelerator.memory_bytes
        if xla_bytes and capacity and section.accelerator.platform != "cpu" and xla_bytes > capacity:
            return f"XLA's buffers alone ({xla_bytes} bytes) exceed the device's {capacity} bytes"
        return None

    def next_point(self, section: MjxSection) -> int | None:
        return None


def default_parallel_compiles(points: int) -> int:
    """Compiles at a time: half the CPUs (XLA compiles use several threads), at most 8."""
    return max(1, min(points, (os.cpu_count() or 2) // 2, 8))


def preflight(spec: MjxSweepSpec | None, profile_name: str, *, resume: bool, fresh: bool) -> Profile | None:
    """The engine's refusals for an MJX sweep (:func:`profiler.engine.preflight`)."""
    return engine_preflight(spec, "mjx", "MJX", profile_name, resume=resume, fresh=fresh)


def run_mjx_sweep(
    spec: MjxSweepSpec,
    profile_name: str,
    *,
    resume: bool = False,
    fresh: bool = False,
    on_event: Callable[[SweepEvent], None] = lambda event: None,
    accelerator: Accelerator | None = None,
    policy: SweepPolicy | None = None,
    parallel_compiles: int | None = None,
    budget_s: float | None = None,
    overlap: bool | None = None,
    claim: Any = None,
    strict: bool = False,
) -> Profile:
    """Measure ``spec`` into profile ``profile_name``, saving after each point (module docstring).

    With ``resume`` the profile's MJX section must come from the same settings; finished points
    are skipped. Without it, an unfinished sweep in the profile is never discarded silently:
    ``fresh`` must say so. ``budget_s`` bounds the sweep's wall time: no point starts that is
    expected to overrun it, and adaptive points are only added within it. ``overlap`` prepares
    the next point's process while the current one is timed (default: on a GPU/TPU, not on CPU).
    The sweep holds its profile's and device's locks while it runs (``claim``: the caller's
    :class:`profiler.devicelock.SweepClaim`, else taken here, waiting for a busy device) and
    records contention with every point; ``strict`` re-measures or refuses contended points.
    """
    started = time.monotonic()
    policy = policy or BasicPolicy()
    model_path = resolve_model(spec.workload.model)
    existing = preflight(spec, profile_name, resume=resume, fresh=fresh)
    sweep = MjxSweep(spec, profile_name, existing, model_path, on_event, policy)
    if resume:
        section = existing.section("mjx")
    else:
        on_event(SweepEvent("probe", len(spec.num_envs), message="asking JAX which device it sees"))
        accel = accelerator or probe_device(sweep.workdir, spec.platform)
        method = _method(spec, accel, accel.platform != "cpu" if overlap is None else overlap)
        section = MjxSection(workload=spec.workload, accelerator=accel, repeats=spec.repeats, timeout_s=spec.timeout_s,
                             sweep_settings=spec.settings, method=method)
    sweep.overlap = section.accelerator.platform != "cpu" if overlap is None else overlap
    sweep.hold(section.accelerator.platform, claim=claim, strict=strict)
    try:
        sweep.begin(section)
        todo = sweep.todo(spec.num_envs)
        compiled = sweep.compile_all(todo, parallel_compiles or default_parallel_compiles(len(todo)))
        for i, num_envs in enumerate(todo):
            if budget_s is not None and not sweep.fits_budget(started, budget_s):
                sweep.discard(num_envs)
                on_event(SweepEvent("done", len(todo), num_envs, None, "not measured: the time budget is spent; "
                                                                       "--resume measures it"))
                continue
            following = todo[i + 1] if i + 1 < len(todo) else None
            sweep.measure(num_envs, compiled.get(num_envs), following, compiled.get(following))
        while budget_s is not None and sweep.fits_budget(started, budget_s):
            extra = policy.next_point(sweep.section)
            if extra is None or sweep.section.point(extra) is not None:
                break
            on_event(SweepEvent("adapt", len(todo), extra, message=f"adding num_envs={extra}, where the curve is least certain"))
            sweep.measure(extra, sweep.compile_all([extra], 1).get(extra))
    finally:
        sweep.discard_all()  # prepared processes that will not be released
        sweep.release()
    return sweep.profile


class MjxSweep(Sweep):
    """The engine's :class:`~profiler.engine.Sweep` with MJX's phases: compile every point from
    shapes first (several at a time, into the persistent cache), skip points predicted not to
    fit, and with ``overlap`` prepare the next point's process while the current one is timed."""

    def __init__(self, spec: MjxSweepSpec, name: str, existing: Profile | None, model_path: Path,
                 on_event: Callable[[SweepEvent], None], policy: SweepPolicy, overlap: bool = False):
        super().__init__(spec, name, existing, on_event)
        self.spec, self.model_path, self.policy, self.overlap = spec, model_path, policy, overlap
        self.cache_dir = str(jax_cache_dir())
        self.point_walls: list[float] = []
        self.prepared: dict[int, Child] = {}  # num_envs -> a measuring process waiting to be released
        self.compiled_with: dict[int, int] = {}  # num_envs -> how many points were compiling at once

    def record(self, point: MjxPoint, memory_source: str | None = None) -> None:
        """Add ``point``; the first measured memory source becomes the section's."""
        if point.compile_s is not None and point.num_envs in self.compiled_with:
            point = dataclasses.replace(point, compile_parallel=self.compiled_with[point.num_envs])
        section = self.section.with_point(point)
        if memory_source and section.memory_source == "unknown":
            section = dataclasses.replace(section, memory_source=memory_source)
        self.profile = self.profile.with_section("mjx", section)
        self.save()

    def child_spec(self, num_envs: int, compile_only: bool) -> dict[str, Any]:
        s = self.spec
        return child_spec(s.workload, self.model_path, num_envs, repeats=s.repeats, physics=s.physics,
                          cache_dir=self.cache_dir, platform=s.platform, seed=s.seed,
                          memory_limit_bytes=s.memory_limit_bytes, compile_only=compile_only, phases=s.phases,
                          phase_minibatches=s.phase_minibatches.get(num_envs, ()),
                          noise_scale=num_envs == min(s.num_envs))  # at one point: a cheap extra

    def compile_all(self, todo: list[int], parallel: int) -> dict[int, Any]:
        """Compile ``todo`` from shapes, ``parallel`` at a time; results by num_envs.

        With several at a time, the first point compiles alone before the rest start: compiles that
        share the CPUs each take longer (three times as long, eight at a time on a 16-core H200
        host), and the one compiled alone is what a training run's own compile is predicted from."""
        if not todo:
            return {}
        if parallel > 1 and len(todo) > 1:
            return {**self.compile_all(todo[:1], 1), **self.compile_all(todo[1:], parallel)}
        self.on_event(SweepEvent("compile", len(todo), message=f"compiling {len(todo)} point(s), {parallel} at a time"))
        jobs = [(POINT_MODULE, self.child_spec(n, compile_only=True), f"n{n}-compile") for n in todo]
        done = lambda stem, result: self.on_event(SweepEvent("compiled", len(todo), int(stem[1:].split("-")[0])))  # noqa: E731
        results = run_parallel(jobs, self.workdir, self.spec.timeout_s, parallel, on_done=done)
        self.compiled_with.update({n: min(parallel, len(todo)) for n in todo})
        return {int(stem[1:].split("-")[0]): result for stem, result in results.items()}

    def prepare(self, num_envs: int) -> None:
        """Start ``num_envs``'s measuring process now; it waits for :meth:`start_measure`."""
        if num_envs in self.prepared:
            return
        go = self.workdir / f"n{num_envs}-measure.go"
        go.unlink(missing_ok=True)
        spec = dict(self.child_spec(num_envs, compile_only=False), go_file=str(go),
                    go_timeout_s=2 * self.spec.timeout_s + 60)
        self.prepared[num_envs] = self.start_child(spec, f"n{num_envs}-measure", release_file=go)

    def start_measure(self, num_envs: int) -> Child:
        """Release ``num_envs``'s prepared process, or start a fresh one; its timeout runs from now."""
        child = self.prepared.pop(num_envs, None)
        if child is not None:
            child.release()
            return child
        return self.start_child(self.child_spec(num_envs, compile_only=False), f"n{num_envs}-measure")

    def discard(self, num_envs: int) -> None:
        """End ``num_envs``'s prepared process (the point is skipped or the budget is spent)."""
        child = self.prepared.pop(num_envs, None)
        if child is not None:
            child.kill()

    def discard_all(self) -> None:
        for num_envs in list(self.prepared):
            self.discard(num_envs)

    def fits_budget(self, started: float, budget_s: float) -> bool:
        """Whether another point, as long as the median one so far, still ends within the budget."""
        expected = sorted(self.point_walls)[len(self.point_walls) // 2] if self.point_walls else 0.0
        return time.monotonic() - started + expected <= budget_s

    def measure(self, num_envs: int, compiled: ChildResult | None, following: int | None = None,
                following_compiled: ChildResult | None = None) -> None:
        """Measure ``num_envs`` (unless it is known or predicted not to fit); with overlap on,
        prepare ``following`` meanwhile if it compiled."""
        spec = self.spec
        total = len(spec.num_envs)
        boundary = self.section.oom_num_envs
        if boundary is not None and num_envs > boundary:
            reason = f"skipped: {boundary} envs ran out of memory"
            self.discard(num_envs)
            self.record(MjxPoint(**shape(spec.workload, num_envs), status="skipped", error=reason))
            self.on_event(SweepEvent("done", total, num_envs, None, reason))
            return
        measured = None
        if compiled is not None and failure(compiled)[0] is None:
            reason = self.policy.skip_reason(self.section, num_envs, xla_bytes(compiled.result))
            if reason:
                self.discard(num_envs)
                point, _ = point_from(num_envs, spec.workload, compiled, None)
                self.record(dataclasses.replace(point, status="skipped", error=reason))
                self.on_event(SweepEvent("done", total, num_envs, None, f"skipped: {reason}"))
                return
            self.on_event(SweepEvent("measure", total, num_envs))
            try:
                child = self.start_measure(num_envs)
                if (self.overlap and following is not None and following_compiled is not None
                        and failure(following_compiled)[0] is None):
                    self.prepare(following)
            except KeyboardInterrupt:
                self.discard_all()
                self.record(spec.interrupted_point(num_envs))
                raise
            measured = self.wait(num_envs, child, on_interrupt=self.discard_all,
                                 again=lambda: self.start_measure(num_envs))
        else:
            self.discard(num_envs)
        point, memory_source = point_from(num_envs, spec.workload, compiled, measured)
        point = self.marked(point)
        if point.wall_s and point.ok:
            self.point_walls.append(point.wall_s)
        self.record(point, memory_source)
        self.on_event(SweepEvent("done", total, num_envs, point))


def _method(spec: MjxSweepSpec, accel: Accelerator, overlap: bool) -> str:
    overlap_note = (" (prepared, from start-up to loaded executables, while the previous point was timed)"
                    if overlap else "")
    memory = ("JAX allocator peak_bytes_in_use with preallocation off" if accel.platform != "cpu"
              else "peak RSS of the measuring process while training ran")
    return (
        f"processes per point on {accel.name} ({accel.platform}): compile from shapes first (several at a time, "
        f"into the persistent cache), then 1 warm-up + {spec.repeats} timed training iterations in a fresh one"
        f"{overlap_note}; "
        f"memory: {memory}; XLA memory analysis of the training step"
    )

