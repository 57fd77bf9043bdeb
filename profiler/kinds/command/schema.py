"""The ``command`` section of a profile: a user's own training command, run at each ``num_envs``,
with its env steps/s, its fixed cost (start-up + compile) and its peak memory.

The section fits the vectorised curves (:mod:`models.num_envs_curves`): ``train_sps`` over
``num_envs``. ``workload.num_steps`` is env steps per env per training iteration when the user
names it (the ``{num_steps}`` placeholder's value, or ``--num-steps``), else 1: a command is then
seen as one env step per env per "iteration", which changes none of the fitted throughput curve's
predictions (the curve is over ``num_envs``; ``num_steps`` only scales its iteration times).

Units are in the field names: ``*_sps`` are env steps per second, ``*_bytes`` bytes, ``*_s``
seconds. Derived values are properties, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from profiler.checks import positive as _positive
from profiler.contention import Contention
from profiler.num_envs_section import NumEnvsPoint, NumEnvsSection
from profiler.profile import Accelerator

#: How a point's ``peak_bytes`` was measured (one per point; the section keeps the first).
MEMORY_SOURCES = {
    "jax_allocator_peak": "JAX allocator peak_bytes_in_use on the GPU, preallocation off (the injected "
    "start-up hook, at exit)",
    "torch_cuda_max_allocated": "torch.cuda.max_memory_allocated (the injected start-up hook, at exit)",
    "nvml-process": "GPU memory NVML attributes to the command's process tree (nvmlDeviceGetComputeRunningProcesses, "
    "sampled every 50 ms; the driver's view, pools and CUDA context included), where the hook reported no JAX or "
    "torch peak",
    "process_tree_peak_rss": "peak resident set size of the command's whole process tree (sampled every "
    "50 ms, and the kernel's high-water mark of its largest process), start-up and compile included",
    "unknown": "not measured",
}

#: How a point's ``train_sps`` was measured.
THROUGHPUT_METHODS = {
    "differential": "two runs of different {total_timesteps}: difference in env steps over difference in wall "
    "time, which cancels start-up and compile",
    "printed": "the figure the command printed (--sps-regex), one run",
}

#: How a workload knows the env steps each run takes (``CommandWorkload.iteration``).
ITERATIONS = {
    "given": "num_steps is the command's iteration per env (--num-steps, {num_steps} or the preset): runs are "
    "whole iterations of num_envs x num_steps",
    "detect": "the iteration is unknown: advisor probes each num_envs for a staircase in wall time against the "
    "steps asked for, and finds the iteration or bounds it",
    "reported": "each run's output says how many env steps it ran (--steps-regex or the preset)",
}

#: Where a point's env steps per run came from (``CommandPoint.steps_basis``).
STEPS_BASES = {
    "given": "whole iterations of the given num_steps",
    "detected": "whole iterations of the iteration advisor found (the wall time's staircase)",
    "reported": "the steps each run's output reported",
    "requested": "the steps asked for: no staircase in the wall time, and the runs' difference many times longer "
    "than any iteration it could hide",
}

ROLES = ("short", "long", "probe", "run")


@dataclass(frozen=True)
class CommandWorkload:
    """The user's command. ``argv`` is the argument list with its placeholders (``{num_envs}``,
    ``{total_timesteps}``, optional ``{num_minibatches}``, ``{num_steps}``); ``env`` what advisor
    adds to its environment; ``num_steps`` env steps per env per iteration (1 when unknown, see
    the module docstring); ``minibatch_size`` the target of the ``{num_minibatches}`` rule;
    ``preset`` the preset that built the argument list (``locomujoco``), if any; ``cwd`` the
    folder it runs in."""

    argv: tuple[str, ...]
    cwd: str = ""
    num_steps: int = 1
    minibatch_size: int | None = None
    env: dict[str, str] = field(default_factory=dict)
    sps_regex: str | None = None
    preset: str | None = None
    iteration: str = "given"
    rounding: str | None = None
    steps_regex: str | None = None

    def __post_init__(self) -> None:
        if not self.argv:
            raise ValueError("argv is required: the command to run")
        _positive("num_steps", self.num_steps, allow_none=False)
        _positive("minibatch_size", self.minibatch_size)
        if self.iteration not in ITERATIONS:
            raise ValueError(f"iteration must be one of {', '.join(ITERATIONS)}, got {self.iteration!r}")
        if self.rounding not in (None, "floor", "ceil"):
            raise ValueError(f"rounding must be floor, ceil or null, got {self.rounding!r}")


@dataclass(frozen=True)
class CommandRun:
    """One run of the command: the ``total_timesteps`` it was given and its wall time (s, from
    start to exit, measured by advisor), the env steps/s it printed, if it was asked to,
    ``steps_run`` the env steps its output says it ran (``--steps-regex`` or the preset),
    ``program_sps`` the program's own steady-state env steps/s from its output (a preset's
    cross-check), its ``role`` in the point (``short``, ``long``, ``probe``), ``reference_ms``
    the CPU's own speed while it ran (the median pass of the fixed reference loop,
    :mod:`profiler.cpu_reference`; longer is slower) and ``round`` the point's timing round it
    belongs to: 0 for its first measurement (probes, short runs, longer runs), 1, 2, ... for the
    later rounds of one short and one longer run, each taken after the other points' rounds
    (:mod:`profiler.kinds.command.sweep`); a longer run is timed against the short runs of its
    own round."""

    total_timesteps: int
    wall_s: float
    printed_sps: float | None = None
    steps_run: int | None = None
    program_sps: float | None = None
    role: str = "run"
    reference_ms: float | None = None
    round: int = 0

    @property
    def steps(self) -> int:
        """The env steps the run took: as reported where it was, else as asked for."""
        return self.steps_run if self.steps_run is not None else self.total_timesteps

    def __post_init__(self) -> None:
        _positive("total_timesteps", self.total_timesteps, allow_none=False)
        if not 0 <= self.wall_s <= 1e7:
            raise ValueError(f"wall_s must be between 0 and 1e7 seconds, got {self.wall_s!r}")
        _positive("train_sps", self.printed_sps)
        _positive("train_sps", self.program_sps)
        _positive("total_timesteps", self.steps_run)
        _positive("reference_ms", self.reference_ms)
        if not 0 <= self.round < 10_000:
            raise ValueError(f"round must be a whole number from 0, got {self.round!r}")
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {self.role!r}")


@dataclass(frozen=True)
class CommandPoint(NumEnvsPoint):
    """One ``num_envs``: ``train_sps`` (env steps/s, see ``throughput_method``), ``fixed_s`` the
    start-up + compile cost (s) of one run (``compile_s`` holds the same figure, the name the
    vectorised curves read), ``peak_bytes`` its peak memory (see ``memory_source``), ``runs``
    every run it took; ``contention`` what other processes did while its last (longest) run was
    timed; ``remeasured`` what measuring it again at the end of the sweep gave, where the CPU
    itself ran slow while it was first timed (``runs`` are then the kept measurement's, its probes
    kept), and ``remeasured_sps`` the env steps/s of the first and the second measurement;
    ``cpu_wait_s`` how long its runs waited for a CPU in a slow spell to come back to its steady
    speed before they started (not in ``wall_s``); ``iteration_note`` how the runs' steps were
    structured: the iteration found, and the program's periodic evaluations where the preset knows
    them and a longer run was taken again to add them as due."""

    num_envs: int
    status: str = "ok"
    num_steps: int = 1
    num_minibatches: int | None = None
    train_sps: float | None = None
    train_sps_samples: tuple[float, ...] = ()
    fixed_s: float | None = None
    compile_s: float | None = None
    peak_bytes: int | None = None
    xla_bytes: int | None = None
    memory_source: str = "unknown"
    throughput_method: str = "differential"
    runs: tuple[CommandRun, ...] = ()
    wall_s: float | None = None
    error: str | None = None
    contention: Contention | None = None
    steps_basis: str = "requested"
    iteration_steps: int | None = None
    iteration_rounding: str | None = None
    iteration_note: str | None = None
    program_sps: float | None = None
    unsteady: bool = False
    frameworks: tuple[str, ...] = ()
    remeasured: str | None = None
    remeasured_sps: tuple[float, ...] = ()
    cpu_wait_s: float = 0.0

    def __post_init__(self) -> None:
        _positive("num_envs", self.num_envs, allow_none=False)
        self.check_measured(("train_sps", "peak_bytes", "num_steps", "num_minibatches"), ("fixed_s", "compile_s"))
        if self.memory_source not in MEMORY_SOURCES:
            raise ValueError(f"memory_source must be one of {', '.join(MEMORY_SOURCES)}")
        if self.throughput_method not in THROUGHPUT_METHODS:
            raise ValueError(f"throughput_method must be one of {', '.join(THROUGHPUT_METHODS)}")
        if self.steps_basis not in STEPS_BASES:
            raise ValueError(f"steps_basis must be one of {', '.join(STEPS_BASES)}")
        _positive("iteration_steps", self.iteration_steps)
        self.require_when_ok(("train_sps",), f"num_envs={self.num_envs}")


@dataclass(frozen=True)
class CommandSection(NumEnvsSection):
    """A user's command measured over ``num_envs`` on one machine, with how it was measured
    (``method``); ``name`` is the user's name for the command."""

    workload: CommandWorkload
    accelerator: Accelerator
    name: str = "command"
    memory_source: str = "unknown"
    points: tuple[CommandPoint, ...] = ()
    repeats: int = 0
    timeout_s: float | None = None
    sweep_settings: dict[str, Any] = field(default_factory=dict)
    method: str = ""

    def __post_init__(self) -> None:
        if self.memory_source not in MEMORY_SOURCES:
            raise ValueError(f"memory_source must be one of {', '.join(MEMORY_SOURCES)}")
        self.check_points()

    @property
    def frameworks(self) -> tuple[str, ...]:
        """What the command imported in any measured point (``jax``, ``torch``)."""
        return tuple(sorted({f for p in self.points for f in p.frameworks}))

    @property
    def xla_applies(self) -> bool:
        """Whether XLA's compiled bytes could bound this command's memory: it ran JAX (or nothing
        says what it ran, as in profiles from before advisor recorded it)."""
        frameworks = self.frameworks
        return not frameworks or "jax" in frameworks

    @property
    def iteration_num_steps(self) -> int:
        """Env steps per env per iteration to round a recommended run to: the given ``num_steps``,
        else the one advisor found at every point that found one (1 when none, or they differ)."""
        if self.workload.iteration == "given":
            return self.workload.num_steps
        found = {p.iteration_steps // p.num_envs for p in self.ok_points
                 if p.iteration_steps and p.steps_basis == "detected" and p.iteration_steps % p.num_envs == 0}
        return found.pop() if len(found) == 1 else 1

    def with_point(self, point: CommandPoint) -> CommandSection:
        """A copy with ``point`` added (replacing one at the same num_envs); the first measured
        memory source becomes the section's."""
        source = self.memory_source
        if source == "unknown" and point.ok and point.memory_source != "unknown":
            source = point.memory_source
        return NumEnvsSection.with_point(self, point, memory_source=source)


#: The section this kind adds to a profile (see :mod:`profiler.kinds`).
SECTION = CommandSection
