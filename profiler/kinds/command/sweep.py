"""The command sweep: the user's own training command at each ``num_envs``, smallest first, each
run in a fresh measuring process (:mod:`profiler.kinds.command.point`) in its own session with a
timeout; the profile is saved after every point (:class:`profiler.engine.Sweep`).

Throughput by differential timing (default): two short runs of ``first_timesteps`` env steps
(their difference in wall time is the noise of start-up and compile), then a longer one chosen
to take about ``delta_s`` seconds more, or ten times the short runs' difference if that is more
(at most 12 x ``delta_s``, and at most half of ``timeout_s`` in all unless ``delta_s`` asks for
more). Its length comes from a guess of the rate: the short runs' own, or
the previous point's scaled by the square root of the size ratio, if higher. If the difference
comes out under half of what was aimed for, the longer run is taken again with its extra steps
grown by the shortfall (2x to 8x, up to three times). env steps/s = difference in env steps /
difference in wall time, which cancels start-up and compile; the fixed cost is the short runs'
mean wall time less their steps at that rate. With ``sps_regex``: one run per point, and the
figure it prints.

That is a point's first timing round. With ``repeats`` above 1, each later round is one more short
run and one longer run at the point's lengths, timed against each other, and taken after every
point's first round, one round of each point in turn (round-robin), so that a slow spell of a shared
machine, which a program's speed follows further than the CPU's reference pass shows, meets one
round of several points rather than every sample of one. The point's env steps/s is the median of
its rounds' samples. A point whose samples differ by more than ``max_spread`` gets up to
``max(2, repeats)`` more rounds, in turn with any others that do, and is marked unsteady if they
still differ. Each round is saved as it ends; Ctrl-C keeps the rounds finished and ``--resume``
takes those still due.

Env steps per run are rounded up to whole iterations (multiples of ``num_envs * num_steps``), as
trainers that compute ``total_timesteps // (num_envs * num_steps)`` updates run. Where the preset
knows that the program also evaluates every so many env steps (rl_zoo3's ``--eval-freq``), and the
longer run's extra steps hold more or fewer evaluations than are due over them, the longer run is
taken again at the fewest whole iterations past it that hold them as due (at most twice as long). A point that runs
out of memory is the memory boundary: larger ones are recorded as skipped, not run. A timeout or
crash costs that point only; Ctrl-C records the point in flight as interrupted (``--resume``).

Every run keeps the CPU's reference pass timed beside it (``reference_ms``,
:mod:`profiler.cpu_reference`); a point whose repeats still disagree after measuring again says
whether the CPU itself slowed between them. A point whose short or longer runs were timed while
the pass ran more than ``STEADY_SPREAD`` slower than in the sweep's other points (each point's
pass weighted by its runs' wall time, against the median of the others'), or whose short and
longer runs of one round were timed at speeds more than ``STEADY_SPREAD`` apart (their difference is
then off by the change), is measured again once after the last point, at the run lengths it used
(its rounds back to back), and the
measurement whose runs met one speed, then the one timed at the faster pass, is kept
(``remeasured`` says what both gave); Ctrl-C then keeps the point as it was, and ``--resume``
measures it again. With ``steady_wait_s``, every run
first waits while the CPU runs more than ``STEADY_SPREAD`` slower than this machine's steady pass
(:meth:`profiler.measuring.MeasuringSession.steady`), so that a slow spell of a shared host is
waited out rather than measured; ``cpu_wait_s`` on the point says how long its runs waited.
"""

from __future__ import annotations

import dataclasses
import json
import math
import statistics
from dataclasses import dataclass
from typing import Any, Callable

from profiler.cpu_reference import STEADY_SPREAD, slowdown
from profiler.engine import Sweep, SweepEvent, require_num_envs
from profiler.engine import preflight as engine_preflight
from profiler.errors import WorkloadSpecError
from profiler.kinds.command.placeholders import check_command, substitute, values_at
from profiler.kinds.command.schema import CommandPoint, CommandRun, CommandSection, CommandWorkload
from profiler.profile import Accelerator, Profile
from profiler.runner import ChildResult
from profiler.trainers import trainer

POINT_MODULE = "profiler.kinds.command.point"
#: A longer run whose extra time is below this share of ``delta_s`` is taken again, longer.
SHORT_DELTA = 0.5
#: How many times a longer run may be taken again, longer.
MAX_RETRIES = 3
#: The difference aimed for is at least this many times the two short runs' difference in wall
#: time (their noise), so that noise moves env steps/s by about a tenth of that at most ...
NOISE_FACTOR = 10.0
#: ... but at most this many times ``delta_s``.
MAX_DELTA_FACTOR = 12.0
#: ... and the longer run is planned to take at most this share of the run's timeout.
TIMEOUT_SHARE = 0.5
#: Where the probe saw no staircase but cannot rule out an iteration shorter than its resolution,
#: the runs' difference is made at least this many times that resolution (an iteration error of
#: at most 1/40 = 2.5%, and on average much less).
QUANTIZATION_FACTOR = 40.0
#: The probe doubles its runs until the wall time rises; a command that ignores {total_timesteps}
#: never does, and is given up on at this many env steps.
MAX_PROBE_STEPS = 2**31
#: A longer run whose added evaluations (a program that evaluates every so many env steps) differ
#: from the number due over its extra steps by more than this share of them (of one, where fewer
#: than one is due) is taken again, longer: on rl_zoo3's HalfCheetah at 1 env an evaluation is about
#: a fifth of the wall time, so this keeps its error under about 1% of the figure.
EVAL_TOLERANCE = 0.05


@dataclass(frozen=True)
class CommandSweepSpec:
    """What a command sweep measures and how (see the module docstring). ``repeats`` is the number
    of timing rounds per point (each gives one differential sample)."""

    workload: CommandWorkload
    num_envs: tuple[int, ...]
    name: str = "command"
    first_timesteps: int = 20_000
    delta_s: float = 5.0
    repeats: int = 1
    timeout_s: float = 900.0
    memory_limit_bytes: int | None = None
    max_spread: float = 0.05
    #: How long each run may wait for a CPU in a slow spell (s); 0: never wait.
    steady_wait_s: float = 0.0

    kind = "command"
    title = "command"
    module = POINT_MODULE

    def __post_init__(self) -> None:
        require_num_envs(self.num_envs, "64,256,1024")
        if self.repeats < 1 or self.first_timesteps < 1 or not self.delta_s > 0 or not self.timeout_s > 0:
            raise WorkloadSpecError("--repeats, --first-timesteps, --delta and --timeout must be positive")
        if not 0 < self.max_spread < 1:
            raise WorkloadSpecError("--max-spread must be a fraction between 0 and 1, such as 0.05")
        if not 0 <= self.steady_wait_s < 1e7:
            raise WorkloadSpecError("--steady-wait must be a duration of 0 s or more, such as 60s")
        check_command(self.workload.argv, differential=self.workload.sps_regex is None,
                      num_steps_given=True)

    @property
    def differential(self) -> bool:
        return self.workload.sps_regex is None

    @property
    def settings(self) -> dict[str, Any]:
        return json.loads(json.dumps({"workload": dataclasses.asdict(self.workload), "num_envs": list(self.num_envs),
                                      "first_timesteps": self.first_timesteps, "delta_s": self.delta_s,
                                      "memory_limit_bytes": self.memory_limit_bytes, "max_spread": self.max_spread}))

    def iteration(self, num_envs: int) -> int:
        return num_envs * self.workload.num_steps

    def whole(self, num_envs: int, steps: float) -> int:
        """``steps`` rounded up to whole iterations at ``num_envs`` (at least one)."""
        size = self.iteration(num_envs)
        return max(1, math.ceil(steps / size)) * size

    def interrupted_point(self, num_envs: int) -> CommandPoint:
        return CommandPoint(num_envs=num_envs, num_steps=self.workload.num_steps, status="interrupted",
                            error="interrupted by the user; --resume measures it again")


def this_accelerator(memory_limit_bytes: int | None) -> Accelerator:
    """The device a command runs on here: the first NVIDIA GPU, else the CPU with its RAM (or the
    sweep's memory cap, when lower)."""
    from profiler.hardware import fingerprint

    hw = fingerprint()
    if hw.gpu_name:
        return Accelerator("gpu", hw.gpu_name, hw.gpu_memory_bytes)
    ram = hw.ram_bytes
    if memory_limit_bytes:
        ram = min(ram, memory_limit_bytes) if ram else memory_limit_bytes
    return Accelerator("cpu", hw.cpu_model or "CPU", ram)


def preflight(spec: CommandSweepSpec | None, profile_name: str, *, resume: bool, fresh: bool) -> Profile | None:
    return engine_preflight(spec, "command", "command", profile_name, resume=resume, fresh=fresh)


def method_text(spec: CommandSweepSpec, accelerator: Accelerator) -> str:
    if spec.differential:
        timing = (f"differential timing: per num_envs two runs of {spec.first_timesteps:,} env steps, then "
                  f"{spec.repeats} longer run(s) chosen to take about {spec.delta_s:g} s more (or 10x the short "
                  f"runs' difference, at most {MAX_DELTA_FACTOR * spec.delta_s:g} s); env steps/s = difference in "
                  "env steps / difference in wall time (start-up and compile cancel); fixed cost = the short runs' "
                  "mean wall time less their steps at that rate")
    else:
        timing = (f"the env steps/s the command printed (last match of {spec.workload.sps_regex!r}), one run of "
                  f"{spec.first_timesteps:,} env steps per num_envs; fixed cost = wall time less steps at that rate")
    cap = f", memory capped at {spec.memory_limit_bytes:,} bytes (RLIMIT_DATA)" if spec.memory_limit_bytes else ""
    w = spec.workload
    steps = {"given": f"env steps per run rounded to whole iterations of num_envs x {w.num_steps}"
                      + (f" ({w.rounding}ed by the program)" if w.rounding else ""),
             "detect": "the iteration found per num_envs from the wall time's staircase against the steps asked "
                       "for (runs of num_envs x 1, 2, 4, ... steps, then bisection), runs rounded to whole "
                       "iterations of it; where none shows, the runs' difference at least "
                       f"{QUANTIZATION_FACTOR:g}x the longest iteration the probe could have missed",
             "reported": "env steps per run as the run's output reported them"}[w.iteration]
    if w.iteration != "reported" and (w.steps_regex or w.preset):
        steps += "; where the output reports each run's steps, those"
    if w.preset and w.iteration == "reported" and trainer(w.preset).evaluation_period(w.argv, 1):
        steps += ("; the longer run taken again where its extra steps hold more or fewer of the program's periodic "
                  f"evaluations than are due (by more than {EVAL_TOLERANCE:.0%} of them)")
    repeats = (f"; {spec.repeats} timing rounds per point, each later one a short and a longer run timed against "
               "each other and taken after every point's first, one round of each point in turn; env steps/s the "
               f"median of the rounds'; up to {max(2, spec.repeats)} more rounds where they differ by more than "
               f"{spec.max_spread:.0%}, and marked unsteady if they still do" if spec.repeats > 1 else "")
    again = (f"; a point timed while the CPU's fixed reference loop ran more than {STEADY_SPREAD:.0%} slower than in "
             f"the other points, or whose own runs met CPU speeds more than {STEADY_SPREAD:.0%} apart, is measured again "
             "once at the end, and the measurement whose runs met one speed, then the faster, kept")
    if spec.steady_wait_s > 0:
        again += (f"; each run first waits (up to {spec.steady_wait_s:g} s) while that loop runs more than "
                  f"{STEADY_SPREAD:.0%} slower than this machine's steady pass (the fastest tenth of its past runs')")
    return (f"one process session per run on {accelerator.name} ({accelerator.platform}), {steps}; {timing}"
            f"{repeats}{again}; memory: the start-up "
            f"hook's JAX/torch device peaks, else NVML's per-process GPU memory of the process tree, else its peak RSS; "
            f"XLA_PYTHON_CLIENT_PREALLOCATE=false"
            f"{cap}")


def run_command_sweep(spec: CommandSweepSpec, profile_name: str, *, resume: bool = False, fresh: bool = False,
                      on_event: Callable[[SweepEvent], None] = lambda event: None, claim: Any = None,
                      strict: bool = False) -> Profile:
    """Measure ``spec`` into profile ``profile_name`` (module docstring), saving after each point.
    The sweep holds its profile's and device's locks while it runs (``claim``: the caller's, else
    taken here) and records the contention of each point's timed run; ``strict`` re-measures or
    refuses contended points."""
    existing = preflight(spec, profile_name, resume=resume, fresh=fresh)
    sweep = CommandSweep(spec, profile_name, existing, on_event)
    if resume:
        section = existing.section("command")
    else:
        accelerator = this_accelerator(spec.memory_limit_bytes)
        section = CommandSection(workload=spec.workload, accelerator=accelerator, name=spec.name,
                                 repeats=spec.repeats, timeout_s=spec.timeout_s, sweep_settings=spec.settings,
                                 method=method_text(spec, accelerator))
    sweep.begin(section)
    sweep.hold(section.accelerator.platform, claim=claim, strict=strict)
    try:
        for num_envs in sweep.todo(sorted(spec.num_envs)):
            sweep.measure(num_envs)
        sweep.take_rounds()
        sweep.measure_slow_again()
    finally:
        sweep.release()
    return sweep.profile


def run_failure(run: ChildResult, timeout_s: float, total_timesteps: int) -> tuple[str | None, str | None]:
    """``(status, reason)`` of a run that did not finish well, else ``(None, None)``."""
    result = run.result or {}
    if run.timed_out:
        return "timeout", f"ended at its timeout ({timeout_s:g} s) in the run of {total_timesteps:,} env steps"
    if result.get("status") == "ok" and run.returncode == 0:
        return None, None
    if result.get("status") in ("oom", "error"):
        return result["status"], result.get("error")
    tail = run.log_tail.strip().splitlines()
    return "error", f"the measuring process failed (exit code {run.returncode}): {(tail or ['no output'])[-1][:300]}"


class CommandSweep(Sweep):
    """The engine's sweep with the command kind's runs per point (module docstring)."""

    def __init__(self, spec: CommandSweepSpec, name: str, existing: Profile | None,
                 on_event: Callable[[SweepEvent], None]):
        super().__init__(spec, name, existing, on_event)
        self.spec = spec
        #: The iteration found at the last num_envs that found one, ``(num_steps, rounding)``: the
        #: next point's probe confirms it first.
        self.hint: tuple[int, str] | None = None
        if existing is not None and existing.section("command") is not None:
            for p in existing.section("command").ok_points:
                if p.steps_basis == "detected" and p.iteration_steps and p.iteration_rounding:
                    self.hint = (p.iteration_steps // p.num_envs, p.iteration_rounding)

    def run_once(self, num_envs: int, total_timesteps: int, stem: str) -> ChildResult:
        s, w = self.spec, self.spec.workload
        values = values_at(num_envs, total_timesteps, num_steps=w.num_steps, minibatch_size=w.minibatch_size)
        child_spec = {"argv": substitute(w.argv, values), "env": dict(w.env), "cwd": w.cwd or None,
                      "memory_dir": str(self.workdir / f"{stem}.memory"), "output_path": str(self.workdir / f"{stem}.out"),
                      "memory_limit_bytes": s.memory_limit_bytes, "sps_regex": w.sps_regex,
                      "steps_regex": w.steps_regex, "preset": w.preset,
                      "values": {**values, "num_steps": w.num_steps if w.iteration == "given" else 0}}
        self.on_event(SweepEvent("run", len(s.num_envs), num_envs,
                                 message=f"num_envs={num_envs}: run of {total_timesteps:,} env steps"))
        return self.run_point(num_envs, child_spec, stem)

    def previous_sps(self, num_envs: int) -> float:
        """A guess of env steps/s at ``num_envs`` from the nearest smaller measured point: its rate
        times the square root of the size ratio (between flat and linear scaling)."""
        below = [p for p in self.section.ok_points if p.num_envs < num_envs]
        if not below:
            return 0.0
        nearest = max(below, key=lambda p: p.num_envs)
        return nearest.train_sps * math.sqrt(num_envs / nearest.num_envs)

    def measure(self, num_envs: int) -> None:
        s = self.spec
        total = len(s.num_envs)
        self.on_event(SweepEvent("start", total, num_envs))
        boundary = self.section.oom_num_envs
        if boundary is not None and num_envs > boundary:
            reason = f"skipped: {boundary} envs ran out of memory"
            self.record(CommandPoint(num_envs=num_envs, num_steps=s.workload.num_steps, status="skipped", error=reason))
            self.on_event(SweepEvent("done", total, num_envs, None, reason))
            return
        point = self.marked(self.measure_point(num_envs))
        self.record(point)
        self.on_event(SweepEvent("done", total, num_envs, point))

    def measure_point(self, num_envs: int, known: CommandPoint | None = None) -> CommandPoint:
        """One measurement of ``num_envs`` (module docstring); ``known``: this size's finished point,
        measured again with its iteration and run lengths as they were (no probe, no planning)."""
        m = _Measurement(self, num_envs, "again-" if known is not None else "")
        if not self.spec.differential:
            return self._printed(m)
        timed = self._lengths_of(m, known) if known is not None else self._planned(m)
        if isinstance(timed, CommandPoint):
            return timed
        point = self._timed(m, timed)
        if known is not None and point.ok:  # measured again at the end: its later rounds back to back
            point = self._rounds([point], keep=lambda later: None).get(point.num_envs, point)
        return point

    def _printed(self, m: _Measurement) -> CommandPoint:
        """One run, and the figure the command printed (``--sps-regex``)."""
        w = self.spec.workload
        short = self.spec.whole(m.num_envs, self.spec.first_timesteps)
        if m.run(short, "short", "short"):
            return m.finish()
        result = m.runs[0][1].result
        sps = result.get("printed_sps")
        if not sps or sps <= 0:
            return m.finish(status="error", error=f"the output has no figure matching --sps-regex "
                                                  f"{w.sps_regex!r}; check the pattern against its log")
        fixed = max(0.0, result["wall_s"] - short / sps)
        return m.finish(train_sps=sps, train_sps_samples=(sps,), fixed_s=fixed, compile_s=fixed)

    def _shorts(self, m: _Measurement, short: int) -> tuple[float, float, list[dict[str, Any]]] | None:
        """The two short runs (the start-up's own noise): their mean wall time, their mean env
        steps and their results; ``None`` where one failed."""
        if m.run(short, "short", "short") or m.run(short, "short2", "short"):
            return None
        shorts = [r.result for _steps, r, role in m.runs if role == "short"]
        return (statistics.mean(r["wall_s"] for r in shorts), statistics.mean(_steps_of(r, short) for r in shorts),
                shorts)

    def _planned(self, m: _Measurement) -> _Lengths | CommandPoint:
        """The iteration (given, found from the wall time's staircase, or left to the steps each
        run reports), the short runs, and a longer run planned and taken again until its extra
        time stands clear of the noise; a failed point where a run failed."""
        s, w, num_envs = self.spec, self.spec.workload, m.num_envs
        iteration, basis, resolution = None, "reported" if w.iteration == "reported" else "requested", None
        probe_sps = 0.0
        if w.iteration == "given":
            iteration, basis = s.iteration(num_envs), "given"
            m.common.update(iteration_steps=iteration, iteration_rounding=w.rounding)
        elif w.iteration == "detect":
            from profiler.kinds.command.iteration import find_iteration

            def wall(k: int) -> float:
                if m.run(num_envs * k, f"probe{k}-{len(m.runs)}", "probe"):
                    raise _RunFailed
                return m.runs[-1][1].result["wall_s"]

            try:
                probe = find_iteration(wall, max_per_env=max(64, MAX_PROBE_STEPS // num_envs), hint=self.hint)
            except _RunFailed:
                return m.finish()
            m.common["iteration_note"] = probe.describe(num_envs)
            probe_sps = probe.rate_guess(num_envs)
            if probe.found:
                iteration, basis = num_envs * probe.num_steps, "detected"
                self.hint = (probe.num_steps, probe.rounding)
                m.common.update(iteration_steps=iteration, iteration_rounding=probe.rounding)
            elif probe.edge is None:
                return m.finish(status="error", error="the wall time did not grow with {total_timesteps} up to "
                                                      f"{m.runs[-1][0]:,} env steps; does the command honour it?")
            else:
                resolution = num_envs * probe.edge

        def whole(steps: float) -> int:
            size = iteration or num_envs
            return max(1, math.ceil(steps / size)) * size

        short = whole(s.first_timesteps)
        timed = self._shorts(m, short)
        if timed is None:
            return m.finish()
        wall_short, short_steps, shorts = timed
        walls = [r["wall_s"] for r in shorts]
        # the extra time aimed for, which the noise may raise but never so far that the longer run
        # would need more than TIMEOUT_SHARE of --timeout (a noisy start-up must not turn a working
        # point into a timeout); --delta itself is the user's and is kept
        cap = max(s.delta_s, TIMEOUT_SHARE * s.timeout_s - wall_short)
        wanted = min(max(s.delta_s, NOISE_FACTOR * abs(walls[0] - walls[1])), MAX_DELTA_FACTOR * s.delta_s, cap)
        # a rate to plan the longer run from: the short runs' (start-up included, so low), the last
        # point's, the probe's, or the program's own figure where its output gives one
        own_short = [r["program_sps"] for r in shorts if r.get("program_sps")]
        guess = max(short_steps / wall_short, self.previous_sps(num_envs), probe_sps,
                    0.8 * min(own_short) if own_short else 0.0)
        if resolution is not None:  # no staircase seen: make any iteration it could hide a small share of the difference
            wanted = min(max(wanted, QUANTIZATION_FACTOR * resolution / guess), max(cap, wanted))
        long = max(whole(short + wanted * guess), short + (iteration or num_envs))
        if m.run(long, "long", "long"):
            return m.finish()
        for attempt in range(MAX_RETRIES):
            delta = m.runs[-1][1].result["wall_s"] - wall_short
            if delta >= SHORT_DELTA * wanted:
                break
            # too close to the noise: longer, by the measured difference (at least 2x, at most 8x the extra steps)
            # (and within the same share of --timeout, from the rate just measured)
            growth = min(max(1.2 * wanted / delta, 2.0), 8.0, cap / delta) if delta > 0 else 8.0
            long = whole(short + growth * (long - short))
            if m.run(long, f"long{attempt + 2}", "long"):
                return m.finish()
        aligned = self._aligned(m, cap, wall_short)
        if aligned is not None:
            if m.run(aligned, "long-aligned", "long"):
                return m.finish()
            long = aligned
        return _Lengths(short, long, basis)

    def _aligned(self, m: _Measurement, cap: float, wall_short: float) -> int | None:
        """Where the preset knows the program's periodic evaluations (:meth:`Trainer.evaluation_period`)
        and the runs reported their steps: a longer run that adds the evaluations due over its
        extra steps (:func:`holds_due`), their cost being a staircase of its own beside the
        iteration's (:func:`aligned_steps`, in whole iterations as the runs' output showed them),
        planned to take at most ``cap`` seconds more than the short runs (``wall_short``) at the
        rate the last longer run gave. ``None`` where that run adds them already, or none fits
        (the point's ``iteration_note`` says which)."""
        w = self.spec.workload
        if not w.preset:
            return None
        period = trainer(w.preset).evaluation_period(w.argv, m.num_envs)
        shorts = [r.result.get("steps_run") for _steps, r, role in m.runs if role == "short"]
        ran = m.runs[-1][1].result.get("steps_run")
        if period is None or not ran or not shorts or not all(shorts) or ran <= shorts[0]:
            return None
        first = shorts[0]
        if holds_due(first, ran, period):
            return None
        rate = (ran - first) / max(m.runs[-1][1].result["wall_s"] - wall_short, 1e-9)
        seen = [r.result.get("iteration_seen") for _steps, r, _role in m.runs]
        found = aligned_steps(first, ran, period, most=min(2 * ran, first + int(cap * rate)),
                              step=math.gcd(first, ran, *(s for s in seen if s)))

        def added(steps: int) -> str:
            count = steps // period - first // period
            return f"{count} evaluation{'' if count == 1 else 's'} where {(steps - first) / period:.2f}"

        what = f"the program evaluates every {period:,} env steps; a longer run of {ran:,} env steps added {added(ran)} were due"
        m.common["iteration_note"] = "; ".join(filter(None, (m.common.get("iteration_note"), (
            f"{what}, so it was taken again at {found:,}, which adds {added(found)} are due" if found is not None else
            f"{what}, and no longer run within reach adds them as due: a longer --delta spreads the difference"))))
        return found

    def _lengths_of(self, m: _Measurement, known: CommandPoint) -> _Lengths | CommandPoint:
        """``known``'s short and longer runs taken again at the lengths it used."""
        w = self.spec.workload
        m.common.update(iteration_steps=known.iteration_steps, iteration_rounding=known.iteration_rounding,
                        iteration_note=known.iteration_note)
        basis = {"given": "given", "reported": "reported"}.get(w.iteration,
                                                               "detected" if known.iteration_steps else "requested")
        short, long = lengths_of(known)
        if self._shorts(m, short) is None or m.run(long, "long", "long"):
            return m.finish()
        return _Lengths(short, long, basis)

    def _timed(self, m: _Measurement, t: _Lengths) -> CommandPoint:
        """The point of its first round: env steps/s = difference in env steps / difference in
        wall time between its longer run at its final length and its short runs (:func:`figure_of`);
        later rounds (:meth:`take_rounds`) add samples."""
        figure = figure_of(m.recorded())
        if figure is None:
            return m.finish(status="error", error=f"the run of {t.long:,} env steps took no longer than the run of "
                                                  f"{t.short:,}; does the command honour {{total_timesteps}}?")
        basis = t.basis
        if all((r.result or {}).get("steps_run") for _steps, r, role in m.runs if role in ("short", "long")):
            basis = "reported"
        return m.finish(**figure, steps_basis=basis)

    def take_rounds(self) -> None:
        """The later timing rounds of every finished point, round-robin (:meth:`_rounds`), each
        saved as it ends; Ctrl-C keeps every point as its finished rounds left it, and
        ``--resume`` takes the rounds still due."""
        with self.measuring_again():
            self._rounds(list(self.section.ok_points), self.record)

    def _rounds(self, points: list[CommandPoint], keep: Callable[[CommandPoint], None]) -> dict[int, CommandPoint]:
        """Take ``points``' timing rounds up to ``repeats``, one round of each point in turn (so a
        slow spell of a shared machine meets one round of several points rather than every round of
        one), then, for a point whose samples differ by more than ``max_spread``, up to
        ``max(2, repeats)`` more in the same way, and mark a point whose samples still do unsteady;
        ``keep`` gets each point as each round leaves it. A round whose run failed leaves its point
        as it was, saying so, and is not taken again; a point that ``--strict`` refused for a
        contended round takes no more."""
        s = self.spec
        extra = max(2, s.repeats)
        current = {p.num_envs: p for p in points if p.ok and p.throughput_method == "differential"}
        failed: set[int] = set()

        def due(point: CommandPoint) -> bool:
            taken = rounds_of(point)
            return taken < s.repeats or (disagree(point, s.max_spread) and taken < s.repeats + extra)

        while todo := [n for n in sorted(current) if n not in failed and due(current[n])]:
            for n in todo:
                before = current[n]
                current[n] = self._round(before)
                if rounds_of(current[n]) == rounds_of(before) or not current[n].ok:  # failed, or refused by --strict
                    failed.add(n)
                keep(current[n])
        for n, point in sorted(current.items()):
            if disagree(point, s.max_spread) and not point.unsteady and n not in failed:
                current[n] = self._unsteady(point)
                keep(current[n])
        return current

    def _round(self, point: CommandPoint) -> CommandPoint:
        """One more timing round of ``point``: a short and a longer run at its lengths, timed
        against each other, its figure taken again from all its rounds (:func:`figure_of`); where
        a run failed, the point as it was, its ``error`` saying so."""
        s = self.spec
        k = max(r.round for r in point.runs) + 1
        short, long = lengths_of(point)
        m = _Measurement(self, point.num_envs, f"round{k}-", round_index=k)
        failed = m.run(short, "short", "short") or m.run(long, "long", "long")
        wall = (point.wall_s or 0.0) + m.wall_s
        waited = round(point.cpu_wait_s + m.waited, 1)
        if failed:
            what = f"round {k + 1} of its runs failed ({failed}: {(m.common.get('error') or '')[:160]})"
            self.on_event(SweepEvent("measure", len(s.num_envs), point.num_envs, message=f"{what}; its figure is "
                                     f"its first {k} round(s)'"))
            return dataclasses.replace(point, wall_s=wall, cpu_wait_s=waited, error="; ".join(
                filter(None, (point.error, f"{what}; the figure is its first {k} round(s)'"))))
        runs = point.runs + m.recorded()
        memory = memory_of([r.result for _steps, r, _role in m.runs])
        peak = max(filter(None, (point.peak_bytes, memory["peak_bytes"])), default=None)
        source = point.memory_source if point.memory_source != "unknown" else memory["memory_source"]
        frameworks = tuple(sorted(set(point.frameworks) | set(m.frameworks())))
        figure = figure_of(runs) or {}
        later = self.marked(dataclasses.replace(point, runs=runs, wall_s=wall, cpu_wait_s=waited, peak_bytes=peak,
                                                memory_source=source, frameworks=frameworks, **figure))
        samples = later.train_sps_samples
        self.on_event(SweepEvent("measure", len(s.num_envs), point.num_envs, message=(
            f"round {k + 1}: {samples[-1]:,.0f} env steps/s; the point's figure {later.train_sps:,.0f} from "
            f"{len(samples)} samples within {spread(list(samples)):.1%}")))
        return later

    def _unsteady(self, point: CommandPoint) -> CommandPoint:
        """``point`` marked unsteady: its samples still differ by more than ``max_spread`` after
        measuring again; where the CPU's own reference pass slowed by more than ``STEADY_SPREAD``
        over its timing runs, the mark says the host varied, not only the program."""
        s = self.spec
        change = slowdown([r.reference_ms for r in timing_runs(point) if r.reference_ms])
        cause = (f"; the CPU itself ran up to {change:.0%} slower in some of them (a fixed reference loop timed "
                 "beside each run), so this machine's host varied, not only the program"
                 if change > STEADY_SPREAD else "")
        error = (f"repeats disagree by {spread(list(point.train_sps_samples)):.1%} (more than {s.max_spread:.0%}) "
                 f"after measuring again{cause}; calibrate on a quieter machine or with a longer --delta")
        return dataclasses.replace(point, unsteady=True, error="; ".join(filter(None, (point.error, error))))

    def measure_slow_again(self) -> None:
        """Measure again, once, at the end of the sweep, each point whose runs were timed while the
        CPU itself ran more than ``STEADY_SPREAD`` slower than usual (its :func:`timing_pass`
        against the median of the other points'), or whose timing runs of one round were timed at
        speeds more than ``STEADY_SPREAD`` apart (:func:`uneven`: the round's short runs and longer
        run then differ by the change as well as by the work), and keep the better measurement
        (:func:`kept_of`). Ctrl-C here keeps the finished point as it was; ``--resume`` measures it
        again."""
        total = len(self.spec.num_envs)
        for first in list(self.section.ok_points):
            slow = timing_pass(first)
            usual = usual_pass([p for p in self.section.ok_points if p.num_envs != first.num_envs])
            changed = uneven(first)
            if first.remeasured is not None or slow is None:
                continue
            if usual is not None and slow / usual - 1 > STEADY_SPREAD:
                why = (f"the CPU itself ran {slow / usual - 1:.0%} slower than in the other points while this one was "
                       f"timed (reference loop {slow:.2f} ms a pass against {usual:.2f} ms)")
            elif changed > STEADY_SPREAD:
                why = (f"the CPU's own speed changed by {changed:.0%} between this point's runs (reference loop), so "
                       "their difference in wall time is not the work's alone")
            else:
                continue
            self.on_event(SweepEvent("measure", total, first.num_envs, message=f"measuring again: {why}"))
            with self.measuring_again():
                second = self.marked(self.measure_point(first.num_envs, known=first))
            kept = kept_of(first, second, usual)
            self.record(kept)
            self.on_event(SweepEvent("measure", total, first.num_envs, message=kept.remeasured or ""))


class _Measurement:
    """The runs of one measurement of one num_envs, each with the CPU's reference pass beside it,
    and the point they make (``finish``)."""

    def __init__(self, sweep: CommandSweep, num_envs: int, prefix: str = "", round_index: int = 0):
        s, w = sweep.spec, sweep.spec.workload
        self.sweep, self.num_envs, self.prefix, self.round = sweep, num_envs, prefix, round_index
        self.runs: list[tuple[int, ChildResult, str]] = []
        self.reference: list[float | None] = []  # beside runs: the CPU's reference pass (ms) while each ran
        self.waited = 0.0  # seconds the runs waited for a CPU in a slow spell
        self.common: dict[str, Any] = dict(num_envs=num_envs, num_steps=w.num_steps,
                                           throughput_method="differential" if s.differential else "printed")
        if w.minibatch_size is not None:
            self.common["num_minibatches"] = values_at(num_envs, 1, num_steps=w.num_steps,
                                                       minibatch_size=w.minibatch_size)["num_minibatches"]

    def run(self, steps: int, stem: str, role: str) -> str | None:
        """Run the command for ``steps`` env steps; the status of a run that failed (recorded for
        the point), else ``None``."""
        result = self.sweep.run_once(self.num_envs, steps, f"n{self.num_envs}-{self.prefix}{stem}")
        self.reference.append(getattr(self.sweep.judged[0], "reference_ms", None))
        self.waited += self.sweep.session.last_wait_s if self.sweep.session is not None else 0.0
        self.runs.append((steps, result, role))
        status, reason = run_failure(result, self.sweep.spec.timeout_s, steps)
        if status:
            self.common.update(status=status, error=reason)
        return status

    def _ok(self) -> list[tuple[int, int, ChildResult, str]]:
        return [(i, steps, r, role) for i, (steps, r, role) in enumerate(self.runs)
                if (r.result or {}).get("status") == "ok"]

    def recorded(self) -> tuple[CommandRun, ...]:
        """The runs so far that finished well, as the profile records them."""
        return tuple(CommandRun(steps, r.result["wall_s"], r.result.get("printed_sps"), r.result.get("steps_run"),
                                r.result.get("program_sps"), role, self.reference[i], self.round)
                     for i, steps, r, role in self._ok())

    def frameworks(self) -> tuple[str, ...]:
        """What the runs that finished well imported (``jax``, ``torch``)."""
        return tuple(sorted({f for _i, _s, r, _role in self._ok() for f in r.result.get("frameworks") or ()}))

    @property
    def wall_s(self) -> float:
        """The wall time (s) of every run so far, failed ones included."""
        return sum(r.wall_s for _steps, r, _role in self.runs)

    def finish(self, **fields: Any) -> CommandPoint:
        """The point of the runs so far, with ``fields``."""
        memory = memory_of([r.result for _i, _steps, r, _role in self._ok()])
        return CommandPoint(**{**self.common, **memory, **fields}, runs=self.recorded(), frameworks=self.frameworks(),
                            wall_s=self.wall_s, cpu_wait_s=round(self.waited, 1))


@dataclass(frozen=True)
class _Lengths:
    """What a point's first round ran: its short runs' length, its longer run's final length, and
    how the runs' env steps are known."""

    short: int
    long: int
    basis: str


def timing_runs(point: CommandPoint) -> list[CommandRun]:
    """The runs whose wall times make ``point``'s figure: its short runs, and its longer runs at
    their final length."""
    final = max((r.total_timesteps for r in point.runs if r.role == "long"), default=None)
    return [r for r in point.runs if r.role == "short" or (r.role == "long" and r.total_timesteps == final)]


def timing_pass(point: CommandPoint) -> float | None:
    """The CPU's reference pass (ms) while ``point`` was timed: its timing runs' passes weighted by
    their wall time (the longer run, whose time the figure rests on, counts most); ``None`` without
    any."""
    timed = [(r.reference_ms, r.wall_s) for r in timing_runs(point) if r.reference_ms]
    wall = sum(w for _ms, w in timed)
    if not timed or wall <= 0:
        return None
    return sum(ms * w for ms, w in timed) / wall


def usual_pass(points: list[CommandPoint]) -> float | None:
    """The CPU's usual reference pass (ms) over ``points``: the median of their :func:`timing_pass`."""
    passes = [found for p in points if (found := timing_pass(p)) is not None]
    return statistics.median(passes) if passes else None


def _speed(pass_ms: float, usual: float) -> str:
    change = pass_ms / usual - 1
    return f"{change:.0%} slower" if change >= 0 else f"{-change:.0%} faster"


def uneven(point: CommandPoint) -> float:
    """How much slower the CPU ran in the slowest of one round's timing runs than in the fastest
    (their reference passes), the most of any of ``point``'s rounds (0 without two in a round):
    a round's longer run is timed against its own short runs, so a change of speed between
    rounds moves none of its samples, and one within a round does."""
    runs = timing_runs(point)
    return max((slowdown([r.reference_ms for r in runs if r.round == k and r.reference_ms])
                for k in {r.round for r in runs}), default=0.0)


def lengths_of(point: CommandPoint) -> tuple[int, int]:
    """``point``'s short runs' and longer runs' final length (env steps asked for)."""
    return (min(r.total_timesteps for r in point.runs if r.role == "short"),
            max(r.total_timesteps for r in point.runs if r.role == "long"))


def rounds_of(point: CommandPoint) -> int:
    """How many timing rounds ``point`` has: rounds with a longer run at its final length."""
    final = max((r.total_timesteps for r in point.runs if r.role == "long"), default=None)
    return len({r.round for r in point.runs if r.role == "long" and r.total_timesteps == final})


def disagree(point: CommandPoint, max_spread: float) -> bool:
    """Whether ``point``'s samples differ by more than ``max_spread`` of their median."""
    return len(point.train_sps_samples) >= 2 and spread(list(point.train_sps_samples)) > max_spread


def figure_of(runs: tuple[CommandRun, ...]) -> dict[str, Any] | None:
    """A point's figure from its runs: each round's longer runs at the final length, each against
    the mean wall time and env steps of the same round's short runs, give one env steps/s sample
    (difference in env steps / difference in wall time); ``train_sps`` is their median, the fixed
    cost the short runs' mean wall time less their steps at that rate, ``program_sps`` the median
    of the program's own figure in those longer runs. ``None`` where no longer run took longer
    than its round's short runs."""
    final = max((r.total_timesteps for r in runs if r.role == "long"), default=None)
    samples: list[float] = []
    own: list[float] = []
    for k in sorted({r.round for r in runs}):
        shorts = [r for r in runs if r.round == k and r.role == "short"]
        longs = [r for r in runs if r.round == k and r.role == "long" and r.total_timesteps == final]
        if not shorts:
            continue
        wall, steps = statistics.mean(r.wall_s for r in shorts), statistics.mean(r.steps for r in shorts)
        for r in longs:
            if r.wall_s > wall and r.steps > steps:
                samples.append((r.steps - steps) / (r.wall_s - wall))
            if r.program_sps:
                own.append(r.program_sps)
    if not samples:
        return None
    sps = statistics.median(samples)
    fixed = max(0.0, statistics.mean(r.wall_s - r.steps / sps for r in runs if r.role == "short"))
    return dict(train_sps=sps, train_sps_samples=tuple(samples), fixed_s=fixed, compile_s=fixed,
                program_sps=statistics.median(own) if own else None)


def kept_of(first: CommandPoint, second: CommandPoint, usual: float | None) -> CommandPoint:
    """Which of ``first`` (timed while the CPU ran slow, or at changing speeds) and ``second``
    (the same size measured again) to keep: the one whose timing runs met one CPU speed (within
    ``STEADY_SPREAD``), and of those alike the one timed at the faster reference pass (the second
    where they tie, the first where measuring again failed or has no pass); its ``remeasured``
    says what both gave against ``usual`` (the other points' pass, else the first's fastest run's),
    and its ``wall_s`` and ``cpu_wait_s`` count both."""
    where = "than in the other points" if usual is not None else "than in its fastest run"
    usual = usual or min(r.reference_ms for r in timing_runs(first) if r.reference_ms)
    before = timing_pass(first) or usual
    wall = (first.wall_s or 0.0) + (second.wall_s or 0.0)
    first = dataclasses.replace(first, cpu_wait_s=round(first.cpu_wait_s + second.cpu_wait_s, 1))
    changed = uneven(first)
    head = (f"measured again at the end of the sweep: the CPU ran {_speed(before, usual)} {where} the first time"
            + (f", its runs' speeds {changed:.0%} apart" if changed > STEADY_SPREAD else "")
            + f" ({first.train_sps:,.0f} env steps/s)")
    if not second.ok:
        return dataclasses.replace(first, wall_s=wall, remeasured_sps=(first.train_sps,),
                                   remeasured=f"{head}; measuring again failed ({second.status}: "
                                              f"{(second.error or '')[:120]}), the first is kept")
    after = timing_pass(second)
    def rank(point: CommandPoint) -> tuple[bool, float | None]:
        return uneven(point) > STEADY_SPREAD, timing_pass(point)

    later = second if after is not None and rank(second) <= rank(first) else first
    speed = _speed(after, usual) if after is not None else "at a speed not measured"
    apart = f", its runs' speeds {uneven(second):.0%} apart" if after is not None and uneven(second) > STEADY_SPREAD else ""
    which = "second" if later is second else "first"
    probes = tuple(r for r in first.runs if r.role == "probe")  # how its iteration was found, kept either way
    return dataclasses.replace(later, wall_s=wall, cpu_wait_s=first.cpu_wait_s,
                               runs=probes + tuple(r for r in later.runs if r.role != "probe"),
                               remeasured_sps=(first.train_sps, second.train_sps),
                               remeasured=f"{head} and {speed} the second time{apart} ({second.train_sps:,.0f}); the "
                                          f"{which} is kept")


def evaluations_off(first: int, steps: int, period: int) -> float:
    """How many more evaluations (one every ``period`` env steps) a run of ``steps`` env steps holds
    than one of ``first`` does, less the number due over the extra steps (negative: fewer)."""
    return (steps // period - first // period) - (steps - first) / period


def holds_due(first: int, steps: int, period: int) -> bool:
    """Whether a run of ``steps`` env steps holds, over the ``first`` of a shorter one, the evaluations
    due over its extra steps within :data:`EVAL_TOLERANCE` of them (of one, where fewer are due)."""
    return abs(evaluations_off(first, steps, period)) <= EVAL_TOLERANCE * max(1.0, (steps - first) / period)


def aligned_steps(first: int, ran: int, period: int, most: int, step: int | None = None) -> int | None:
    """The fewest env steps past ``ran``, a whole number of ``step`` (the runs' iteration; by default
    the greatest common divisor of ``ran`` and ``first``, both whole numbers of it) and at most
    ``most``, whose extra steps over ``first`` hold the evaluations due (:func:`holds_due`); ``None``
    where none does."""
    step = step or math.gcd(first, ran)
    if step <= 0:
        return None
    return next((c for c in range(ran + step, most + 1, step) if holds_due(first, c, period)), None)


class _RunFailed(Exception):
    """A probe run failed; the point records why."""


def _steps_of(result: dict[str, Any], requested: int) -> int:
    """The env steps a run took: as its output reported, else as asked for."""
    return result.get("steps_run") or requested


def spread(samples: list[float]) -> float:
    """(max - min) / median of ``samples``."""
    return (max(samples) - min(samples)) / statistics.median(samples)


def memory_of(results: list[dict[str, Any]]) -> dict[str, Any]:
    """``peak_bytes`` and ``memory_source`` over a point's runs: the hook's device peak where the
    command used a GPU (JAX first, then torch), else NVML's per-process GPU memory of its tree,
    else the process tree's peak RSS."""
    for key, source in (("jax_peak_bytes", "jax_allocator_peak"), ("torch_cuda_peak_bytes", "torch_cuda_max_allocated"),
                        ("nvml_process_peak_bytes", "nvml-process"), ("tree_peak_rss_bytes", "process_tree_peak_rss")):
        values = [r.get(key) for r in results if r.get(key)]
        if values:
            return {"peak_bytes": int(max(values)), "memory_source": source}
    return {"peak_bytes": None, "memory_source": "unknown"}
