"""``advisor calibrate mjx``: measure this machine into a saved profile, with a progress bar; and
what ``advisor doctor`` says such a calibration would measure here."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Annotated, ClassVar, Optional

import typer

from advisor import catalog
from advisor.calibrate_runner import Progress, Say, SweepPlan, SweepRequest, calibrate
from advisor.errors import BadInput
from advisor.kinds.mjx.render import mjx_points_table
from advisor.option_sets import typer_command
from advisor.sweeping import (
    PointTimeoutOption,
    contended_suffix,
)
from advisor.units import format_bytes, format_duration, parse_bytes, parse_duration, parse_int_list, parse_layers
from profiler.hardware import fingerprint
from profiler.kinds.mjx.schema import MjxWorkload
from profiler.store import advisor_home, profile_path

PLATFORMS = ("auto", "gpu", "cpu")


@dataclass(frozen=True)
class MjxCalibration(SweepRequest):
    """``advisor calibrate mjx``'s options, and its sweep for the calibrate runner."""

    kind: ClassVar[str] = "mjx"
    title: ClassVar[str] = "MJX"
    extra: ClassVar[str | None] = "mjx"

    name: Annotated[Optional[str], typer.Option(help="Profile to save into. Default: named after this machine's GPU or CPU.")] = None
    model: Annotated[str, typer.Option(help="MJCF model: humanoid, barkour_v0, ant, half_cheetah, hopper, walker2d, "
                                            "or the path of your own .xml.")] = "humanoid"
    num_envs: Annotated[Optional[str], typer.Option(
        help="Comma-separated num_envs to measure. Default: 64, 256, ... 65536 on a GPU (stopping at the first that "
             "runs out of memory); 16-256 on CPU.")] = None
    num_steps: Annotated[int, typer.Option(help="Rollout length per env per iteration (LocoMuJoCo num_steps).")] = 50
    num_minibatches: Annotated[Optional[int], typer.Option(
        help="Minibatches per epoch at every point; num_envs*num_steps must divide by it. Default 32 (LocoMuJoCo's "
             "conf).")] = None
    minibatch_size: Annotated[Optional[int], typer.Option(
        help="Instead of a fixed --num-minibatches: samples per minibatch to aim for (3200 is LocoMuJoCo's 2048*50/32); "
             "each point gets the num_minibatches that divides its batch nearest that size, as 'advisor recommend' "
             "chooses it, so the profile measures the configs it will recommend.")] = None
    update_epochs: Annotated[int, typer.Option(help="PPO epochs per iteration.")] = 4
    n_substeps: Annotated[int, typer.Option(
        help="mjx.step calls per env step (LocoMuJoCo's Go2 and H1 tasks run 5).")] = 1
    solver_iterations: Annotated[Optional[int], typer.Option(
        help="Override the MJCF's solver iterations (opt.iterations; Go2: 8). Default: the model's own.")] = None
    ls_iterations: Annotated[Optional[int], typer.Option(
        help="Override the MJCF's line-search iterations (opt.ls_iterations; Go2: 12). Default: the model's own.")] = None
    timestep: Annotated[Optional[float], typer.Option(
        help="Override the MJCF's physics timestep in seconds (opt.timestep; Go2: 0.002). Default: the model's own.")] = None
    hidden_layers: Annotated[str, typer.Option(help="Actor and critic hidden layer widths.")] = "512,256"
    repeats: Annotated[Optional[int], typer.Option(help="Timed iterations per point after one warm-up. Default 3 (2 with --quick).")] = None
    timeout: PointTimeoutOption = 900.0
    phases: Annotated[bool, typer.Option("--phases/--no-phases",
        help="Also time each iteration's rollout and update phases apart, the update at the minibatch counts of the "
             "plan printed first, so predictions cover any num_minibatches and num_steps.")] = True
    physics: Annotated[Optional[bool], typer.Option("--physics/--no-physics",
        help="Also time stepping alone (physics_sps). Default: on, off with --quick.")] = None
    quick: Annotated[bool, typer.Option(help="A short sweep: 3 points, 2 timed iterations, no physics-only timing "
                                             "(humanoid on a busy 2-core CPU: about 11 minutes with the phases, "
                                             "under 5 without).")] = False
    platform: Annotated[str, typer.Option(help="auto (GPU if JAX sees one), gpu or cpu.")] = "auto"
    memory_limit: Annotated[Optional[str], typer.Option(
        help="Cap each point's process memory (bytes, or 512M, 1.5G): the sweep then finds the memory boundary "
             "of a smaller machine; a point over it is recorded as out of memory.")] = None
    budget: Annotated[Optional[str], typer.Option(
        help="Wall-time budget for the sweep (150s, 5m): no point starts that would overrun it, and the time left "
             "adds points where the fitted curve is least certain.")] = None
    parallel_compiles: Annotated[Optional[int], typer.Option(
        help="Points compiled at a time before measuring (default: half the CPUs, at most 8).")] = None
    overlap: Annotated[Optional[bool], typer.Option("--overlap/--no-overlap",
        help="Start the next point's process (imports, tracing, loading from the cache) while the current one is "
             "timed. Default: on with a GPU, where that host work does not disturb the timing; off on CPU.")] = None
    find_max: Annotated[bool, typer.Option(
        help="Afterwards, find the largest num_envs whose predicted peak memory fits --memory-headroom, by "
             "compiling alone (XLA's memory analysis; nothing runs out of memory).")] = False
    memory_headroom: Annotated[float, typer.Option(help="Fraction of device memory --find-max may fill.")] = 0.9

    def check(self) -> None:
        if self.platform not in PLATFORMS:
            raise BadInput(f"--platform must be one of {', '.join(PLATFORMS)}")
        if self.num_minibatches is not None and self.minibatch_size is not None:
            raise BadInput("--num-minibatches fixes the minibatch count and --minibatch-size chooses it per point; "
                           "give one")
        for option, value in (("--num-steps", self.num_steps), ("--num-minibatches", self.num_minibatches),
                              ("--update-epochs", self.update_epochs), ("--minibatch-size", self.minibatch_size),
                              ("--n-substeps", self.n_substeps), ("--solver-iterations", self.solver_iterations),
                              ("--ls-iterations", self.ls_iterations)):
            if value is not None and value < 1:
                raise BadInput(f"{option} must be a positive integer")
        if self.timestep is not None and not 0 < self.timestep <= 1:
            raise BadInput("--timestep must be a positive number of seconds, at most 1, e.g. 0.002")
        if self.repeats is not None and not 1 <= self.repeats <= 1000:
            raise BadInput("--repeats must be between 1 and 1000 timed iterations")
        if not 0 < self.timeout < 1e7:  # also refuses nan and inf
            raise BadInput("--timeout must be a positive number of seconds, such as 900")
        from profiler.kinds.mjx.mjcf import SHIPPED_MODELS, check_model_loads, resolve_model

        model_path = resolve_model(self.model)  # unknown model: exit 2 before anything starts
        if self.model not in SHIPPED_MODELS:
            check_model_loads(model_path)  # a user's file that MuJoCo cannot load: exit 2 too
        self._workload
        self._grid
        if self.parallel_compiles is not None and self.parallel_compiles < 1:
            raise BadInput("--parallel-compiles must be at least 1")
        if not 0 < self.memory_headroom <= 1:
            raise BadInput("--memory-headroom must be a fraction in (0, 1], e.g. 0.9")
        self._budget_s

    @functools.cached_property
    def _workload(self) -> MjxWorkload:
        return MjxWorkload(model=self.model, num_steps=self.num_steps, num_minibatches=self.num_minibatches or 32,
                           update_epochs=self.update_epochs, hidden_layers=parse_layers(self.hidden_layers),
                           minibatch_size=self.minibatch_size, n_substeps=self.n_substeps,
                           solver_iterations=self.solver_iterations, ls_iterations=self.ls_iterations,
                           timestep=self.timestep)

    @functools.cached_property
    def _grid(self) -> list[int] | None:
        return parse_int_list(self.num_envs, "--num-envs", maximum=2**21) if self.num_envs else None

    @functools.cached_property
    def _budget_s(self) -> float | None:
        return parse_duration(self.budget, "--budget") if self.budget else None

    def _forced(self) -> str | None:
        return None if self.platform == "auto" else self.platform

    def profile_name(self) -> str:
        return self.name or catalog.machine_slug(fingerprint())

    def likely_platform(self) -> str | None:
        return self._forced()

    def plan(self, profile_name: str, say: Say) -> SweepPlan:
        from profiler.kinds.mjx.phase_plan import default_phase_minibatches, plan_lines
        from profiler.kinds.mjx.sweep import MjxSweepSpec, default_grid, probe_device

        forced, grid, accelerator = self._forced(), self._grid, None
        if grid is None and not self.resume:
            say("asking JAX which device it sees…")
            accelerator = probe_device(advisor_home() / "runs" / profile_name, forced)
            grid = default_grid(accelerator.platform, self.quick)
        existing = self.preflight(None, profile_name)
        resumed = existing.section("mjx") if self.resume and existing is not None else None
        if grid is None:  # --resume without --num-envs: the interrupted sweep's grid
            grid = resumed.requested_num_envs
        workload = self._workload
        extra = default_phase_minibatches(tuple(grid), workload) if self.phases else {}
        spec = MjxSweepSpec(workload=workload, num_envs=tuple(grid), repeats=self.repeats or (2 if self.quick else 3),
                            timeout_s=self.timeout, physics=(not self.quick) if self.physics is None else self.physics,
                            platform=forced,
                            memory_limit_bytes=parse_bytes(self.memory_limit, "--memory-limit") if self.memory_limit
                            else None, phases=self.phases, phase_minibatches=extra)
        if resumed is not None:
            platform = resumed.accelerator.platform
        else:
            if forced != "cpu" and accelerator is None:  # --platform gpu without a GPU: one line, before the plan
                say("asking JAX which device it sees…")
                accelerator = probe_device(advisor_home() / "runs" / profile_name, forced)
            platform = forced or accelerator.platform
        from advisor.kinds.mjx.adaptive import ModelPolicy

        lines = ("plan:", *(f"  {line}" for line in plan_lines(tuple(grid), workload, extra, self.phases)))
        return SweepPlan(spec=spec, platform=platform, total=len(spec.num_envs), lines=lines,
                         found=(accelerator, ModelPolicy(memory_limit_bytes=spec.memory_limit_bytes)))

    def sweep(self, plan: SweepPlan, profile_name: str, on_event, **options):
        from profiler.kinds.mjx.sweep import run_mjx_sweep

        accelerator, policy = plan.found
        return run_mjx_sweep(plan.spec, profile_name, on_event=on_event, accelerator=accelerator, policy=policy,
                             parallel_compiles=self.parallel_compiles, budget_s=self._budget_s, overlap=self.overlap,
                             **options)

    def progress(self) -> Progress:
        return Progress(lambda key: f"num_envs={key}",
                        lambda p: f"{p.train_sps:,.0f} env steps/s{contended_suffix(p)}", 80,
                        shown=("probe", "compile", "adapt"),
                        states={"compiled": lambda key: f"compiled num_envs={key}",
                                "measure": lambda key: f"num_envs={key}: measuring"})

    def finish(self, profile, plan: SweepPlan, profile_name: str, say: Say):
        _accelerator, policy = plan.found
        largest = None
        if self.find_max and profile.section("mjx").ok_points:
            largest = _find_max(plan.spec, profile_name, policy, self.memory_headroom, say)
        if largest is not None:  # the search recorded its compiles in the saved profile
            from profiler.store import load_profile_file

            profile = load_profile_file(profile_path(profile_name))

        def extra() -> list[str]:
            from advisor.kinds.mjx.render import noise_lines

            noise = noise_lines(profile.section("mjx"))
            if largest is None:
                return noise
            return noise + [f"largest num_envs predicted to fit {self.memory_headroom:.0%} of "
                            f"{format_bytes(policy.capacity(profile.section('mjx')))}: {largest[0]} ({largest[1]} "
                            "compile(s), nothing run)"]

        return profile, extra

    def table(self, section, profile_name: str):
        return mjx_points_table(section, f"{profile_name}: MJX on {section.accelerator.name} (train_sps and "
                                         "physics_sps in env steps/s)")

    def next_hint(self, profile_name: str) -> str:
        return f"advisor recommend --profile {profile_name} --target 100M"


calibrate_mjx = typer_command(
    MjxCalibration, calibrate, "mjx",
    """Run a short MJX/JAX PPO sweep over num_envs, one fresh process per point; each point records train_sps
    and physics_sps (env steps/s), compile time (s), true peak memory (bytes) and XLA's memory analysis.""")


def _find_max(spec, profile_name: str, policy, headroom: float, say: Say) -> tuple[int | None, int]:
    from models.num_envs_curves import xla_calibration
    from profiler.kinds.mjx.memory_search import bisect_largest_fitting

    def fits(section, xla_bytes) -> bool:
        calibration, capacity = xla_calibration(section), policy.capacity(section)
        if not xla_bytes or calibration is None or capacity is None:
            return False
        return float(calibration.predict_upper([xla_bytes])[0]) <= headroom * capacity

    say("searching for the largest num_envs that fits, by compilation alone…")
    return bisect_largest_fitting(spec, profile_name, fits)


def doctor_plan() -> tuple[list, dict | None, str | None]:
    """The JAX backend check (in a fresh process, as calibration sees it) and what
    ``advisor calibrate mjx`` would measure here, roughly how long it would take."""
    import tempfile
    from pathlib import Path

    from advisor.errors import AdvisorError
    from profiler import diagnose
    from profiler.extras import install_command, missing_modules
    from profiler.kinds.mjx.sweep import default_grid, probe_device

    checks = []
    platform = None
    missing = missing_modules("mjx")
    if missing:
        checks.append(diagnose.Check("JAX backend", "warn", f"{', '.join(missing)} not installed: 'advisor calibrate "
                                     f"mjx' and 'advisor verify' need the mjx extra: {install_command('mjx')}"))
        return checks, None, None
    try:
        with tempfile.TemporaryDirectory(prefix="advisor-doctor-") as tmp:
            accel = probe_device(Path(tmp), None, timeout_s=180,
                                 hint="the versions below show what differs from the known-good set")
        platform = accel.platform
        memory = f", {accel.memory_bytes / 2**30:.1f} GiB" if accel.memory_bytes else ""
        checks.append(diagnose.Check("JAX backend", "ok", f"{accel.platform}: {accel.name}{memory}"))
    except AdvisorError as exc:
        checks.append(diagnose.Check("JAX backend", "fail", str(exc)))
    if platform is None:
        return checks, None, None
    grid = default_grid(platform, quick=False)
    seconds, basis = diagnose.estimate_sweep_s(platform, len(grid), _measured_point_s())
    plan = {"platform": platform, "num_envs": list(grid), "estimated_s": seconds, "basis": basis,
            "quick_num_envs": list(default_grid(platform, quick=True))}
    sentence = (f"'advisor calibrate mjx' would measure num_envs {', '.join(map(str, plan['num_envs']))} on the "
                f"{platform} backend: about {format_duration(plan['estimated_s'])} ({basis}); --quick measures "
                f"{', '.join(map(str, plan['quick_num_envs']))}")
    return checks, plan, sentence


def _measured_point_s() -> list[float]:
    """Wall seconds per point from this machine's calibrated profiles (default settings only)."""
    from advisor.errors import ProfileFormatError

    here = fingerprint()
    seconds = []
    for name in catalog.local_profile_names():
        try:
            profile, _ = catalog.load(name)
        except ProfileFormatError:  # a damaged profile is reported by "profile list", not here
            continue
        section = profile.section("mjx")
        if section is None or not catalog.same_machine(profile.hardware, here):
            continue
        seconds += [p.wall_s for p in section.points if p.wall_s and p.ok]
    return seconds
