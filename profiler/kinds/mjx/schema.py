"""The MJX section of a profile: MJX/JAX PPO training throughput and peak memory as ``num_envs``
varies, in LocoMuJoCo's training shape.

Units are in the field names: ``*_sps`` are env steps per second, ``*_bytes`` are bytes, ``*_s``
are seconds. Derived values are properties, never stored.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, fields
from typing import Any

from profiler.checks import positive as _positive
from profiler.checks import positive_samples
from profiler.contention import Contention
from profiler.kinds.mjx.verified import VerifiedRun
from profiler.minibatch import nearest_num_minibatches
from profiler.noise import GradientNoise
from profiler.num_envs_section import NumEnvsPoint, NumEnvsSection
from profiler.profile import Accelerator

#: How ``peak_bytes`` was measured.
MEMORY_SOURCES = {
    "jax_allocator_peak": "JAX allocator peak_bytes_in_use on the device, preallocation off",
    "host_peak_rss": "peak resident set size of the measuring process while training iterations ran "
    "(CPU backend; after compile; includes the Python and XLA runtime)",
    "host_peak_rss_with_compile": "peak resident set size of the measuring process, compile "
    "included (CPU backend; the kernel could not reset the high-water mark)",
    "imported": "imported from a CSV file",
    "unknown": "not measured",
}


@dataclass(frozen=True)
class MjxWorkload:
    """The PPO training shape, in LocoMuJoCo's ``experiment:`` key names (all but ``num_envs``).

    With ``minibatch_size`` set, each point's ``num_minibatches`` is chosen to keep its
    minibatches near that many samples (:meth:`minibatches_at`); ``num_minibatches`` is then unused.

    Physics: ``n_substeps`` mjx.step calls per env step (LocoMuJoCo's Go2 and H1 run 5), and
    overrides of the MJCF's ``solver_iterations``, ``ls_iterations`` and ``timestep`` (s);
    ``None`` keeps the model's own."""

    model: str = "humanoid"
    num_steps: int = 50
    num_minibatches: int = 32
    update_epochs: int = 4
    hidden_layers: tuple[int, ...] = (512, 256)
    minibatch_size: int | None = None
    n_substeps: int = 1
    solver_iterations: int | None = None
    ls_iterations: int | None = None
    timestep: float | None = None

    def __post_init__(self) -> None:
        for name in ("num_steps", "num_minibatches", "update_epochs", "n_substeps"):
            _positive(name, getattr(self, name), allow_none=False)
        for name in ("minibatch_size", "solver_iterations", "ls_iterations", "timestep"):
            _positive(name, getattr(self, name))
        if not self.hidden_layers or any(h <= 0 for h in self.hidden_layers):
            raise ValueError(f"hidden_layers must be positive sizes, got {self.hidden_layers!r}")

    @property
    def physics(self) -> dict[str, int | float]:
        """The physics settings that differ from one plain mjx.step of the model as written."""
        found: dict[str, int | float] = {"n_substeps": self.n_substeps} if self.n_substeps != 1 else {}
        for name in ("solver_iterations", "ls_iterations", "timestep"):
            if getattr(self, name) is not None:
                found[name] = getattr(self, name)
        return found

    def minibatches_at(self, num_envs: int) -> int:
        """``num_minibatches`` of the point at ``num_envs``."""
        if self.minibatch_size is None:
            return self.num_minibatches
        return nearest_num_minibatches(num_envs, self.num_steps, self.minibatch_size)


@dataclass(frozen=True)
class UpdatePhase:
    """The update phase of one iteration (``update_epochs`` x ``num_minibatches`` minibatch
    steps on the iteration's batch) timed on its own: seconds per phase, every timed call."""

    num_minibatches: int
    seconds_samples: tuple[float, ...]

    def __post_init__(self) -> None:
        _positive("num_minibatches", self.num_minibatches, allow_none=False)
        if not self.seconds_samples:
            raise ValueError("an update phase needs at least one timing")
        positive_samples("seconds_samples", self.seconds_samples, "iter_s")

    @property
    def seconds(self) -> float:
        """Median seconds per update phase."""
        return statistics.median(self.seconds_samples)


@dataclass(frozen=True)
class MjxPoint(NumEnvsPoint):
    """One calibration point: a full PPO training iteration at ``num_envs`` parallel envs.

    ``train_sps`` is the median env steps/s over timed iterations (rollout + GAE + PPO update),
    after compile and one warm-up iteration; ``train_sps_samples`` keeps every timed iteration.
    ``physics_sps`` is env steps/s of stepping alone. ``peak_bytes`` is the true peak footprint
    (see the section's ``memory_source``); ``xla_bytes`` is XLA's compiled memory analysis of
    the training step (temp + argument + output bytes). ``contention`` is what other processes did while it was
    timed (``None`` in profiles from before it was recorded, and for imports).

    Phase timings (empty in profiles from before they were recorded, and for imports):
    ``rollout_s_samples`` are seconds per rollout phase (``num_steps`` vmapped env steps + GAE),
    ``update_phases`` the update phase at the point's own ``num_minibatches`` and at any other
    counts the sweep asked for, on the same batch; ``phase_compile_s`` is the seconds their compiles
    added to the point's compile process. ``compile_parallel`` is how many points were compiling at
    once when this one compiled (1: alone, as a training run compiles; ``None``: not recorded).
    ``gradient_noise``: the policy's and value function's gradient noise scales measured after the
    timed iterations (the sweep's smallest num_envs; ``None`` elsewhere and in older profiles).
    """

    num_envs: int
    status: str = "ok"
    num_steps: int = 50
    num_minibatches: int = 32
    update_epochs: int = 4
    train_sps: float | None = None
    train_sps_samples: tuple[float, ...] = ()
    physics_sps: float | None = None
    compile_s: float | None = None
    peak_bytes: int | None = None
    xla_bytes: int | None = None
    wall_s: float | None = None
    error: str | None = None
    contention: Contention | None = None
    rollout_s_samples: tuple[float, ...] = ()
    update_phases: tuple[UpdatePhase, ...] = ()
    phase_compile_s: float | None = None
    compile_parallel: int | None = None
    gradient_noise: GradientNoise | None = None

    def __post_init__(self) -> None:
        _positive("num_envs", self.num_envs, allow_none=False)
        _positive("compile_parallel", self.compile_parallel)
        positive_samples("rollout_s_samples", self.rollout_s_samples, "iter_s")
        counts = [u.num_minibatches for u in self.update_phases]
        if len(counts) != len(set(counts)):
            raise ValueError(f"two update phases with the same num_minibatches at num_envs={self.num_envs}")
        self.check_measured(("train_sps", "physics_sps", "peak_bytes", "xla_bytes", "num_steps", "num_minibatches",
                             "update_epochs"), ("compile_s", "phase_compile_s"))
        self.require_when_ok(("train_sps",), f"num_envs={self.num_envs}")

    @property
    def batch_size(self) -> int:
        """Env steps per training iteration: ``num_envs * num_steps``."""
        return self.num_envs * self.num_steps

    @property
    def rollout_s(self) -> float | None:
        """Median seconds per rollout phase, ``None`` when phases were not timed."""
        return statistics.median(self.rollout_s_samples) if self.rollout_s_samples else None

    @property
    def has_phases(self) -> bool:
        """Whether both phases were timed at this point."""
        return bool(self.rollout_s_samples) and bool(self.update_phases)

    def update_phase(self, num_minibatches: int) -> UpdatePhase | None:
        return next((u for u in self.update_phases if u.num_minibatches == num_minibatches), None)



@dataclass(frozen=True)
class MjxSection(NumEnvsSection):
    """MJX PPO measurements on one accelerator, with how they were taken, and the whole training
    runs ``advisor verify`` timed against the model's predictions (``verified_runs``, oldest
    first; stored only when there are some, so profiles without any keep their exact JSON)."""

    workload: MjxWorkload
    accelerator: Accelerator
    memory_source: str = "unknown"
    points: tuple[MjxPoint, ...] = ()
    repeats: int = 0
    timeout_s: float | None = None
    sweep_settings: dict[str, Any] = field(default_factory=dict)
    method: str = ""
    verified_runs: tuple[VerifiedRun, ...] = ()

    def __post_init__(self) -> None:
        if self.memory_source not in MEMORY_SOURCES:
            raise ValueError(f"memory_source must be one of {', '.join(MEMORY_SOURCES)}")
        self.check_points()

    def __jsonable__(self) -> dict[str, Any]:
        """The fields in order; ``verified_runs`` only when there are some."""
        from profiler.serde import to_jsonable

        return {f.name: to_jsonable(getattr(self, f.name)) for f in fields(self)
                if f.name != "verified_runs" or self.verified_runs}


#: The section this kind adds to a profile (see :mod:`profiler.kinds`).
SECTION = MjxSection
