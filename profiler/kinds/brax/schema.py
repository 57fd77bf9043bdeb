"""The brax section of a profile: Brax PPO (``brax.training.agents.ppo.train``) on one MuJoCo
Playground env, measured over ``num_envs`` at one batch shape, plus points at other batch shapes
(batch_size, num_minibatches, unroll_length) that the phase model (:mod:`models.phases.brax`)
needs to predict shapes that were not run.

Every point is one ``ppo.train`` call in a fresh process with ``num_resets_per_eval=0``: its
first training epochs compile (the first always, the second too with brax 0.14.2 on a released
jax), the later ones are timed from Brax's own ``training/walltime``
(whose deltas are one epoch each; Brax's ``training/sps`` is not used: it counts
``num_resets_per_eval`` epochs' steps over one epoch's time).

Units are in the field names: ``*_sps`` env steps per second, ``*_bytes`` bytes, ``*_s`` seconds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from profiler.checks import LIMITS, UNFINISHED_STATUSES, MeasuredPoint, sample_spread
from profiler.checks import positive as _positive
from profiler.contention import Contention
from profiler.kinds.brax.rules import env_steps_per_update
from profiler.profile import Accelerator

MEMORY_SOURCES = {
    "jax_allocator_peak": "JAX allocator peak_bytes_in_use on the device, preallocation off",
    "host_peak_rss": "peak resident set size of the measuring process (CPU backend; compile, Python and the "
    "XLA runtime included)",
    "unknown": "not measured",
}


#: Playground's ``ppo_params`` a recommendation computes with, and the values each may take.
DEFAULT_COUNTS = {
    "batch_size": (1, LIMITS["batch_size"]), "num_minibatches": (1, LIMITS["num_minibatches"]),
    "unroll_length": (1, LIMITS["unroll_length"]), "num_updates_per_batch": (1, LIMITS["num_updates_per_batch"]),
    "num_evals": (0, 10**6), "num_resets_per_eval": (0, 10**6), "action_repeat": (1, LIMITS["action_repeat"]),
    "episode_length": (1, LIMITS["episode_length"]), "num_envs": (1, LIMITS["num_envs"]),
    "num_timesteps": (0, LIMITS["total_timesteps"]),
}


@dataclass(frozen=True)
class BraxWorkload:
    """What was trained: the Playground env, its family (``dm_control_suite``, ``locomotion`` or
    ``manipulation``: where Playground keeps its ``brax_ppo_config``), its ``impl``, and the PPO
    settings every point shares
    (Brax names; the points' own shape fields override ``batch_size``, ``num_minibatches``,
    ``unroll_length``). ``ppo_defaults`` is Playground's ``brax_ppo_config`` for the env, as
    Playground returned it (the reference a recommendation keeps); ``changed`` names what the
    calibration changed from it and why."""

    env: str = "CartpoleBalance"
    impl: str = "jax"
    family: str = "dm_control_suite"
    batch_size: int = 64
    num_minibatches: int = 4
    unroll_length: int = 10
    num_updates_per_batch: int = 16
    action_repeat: int = 1
    episode_length: int = 1000
    num_eval_envs: int = 128
    ppo_defaults: dict[str, Any] = field(default_factory=dict)
    changed: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("batch_size", "num_minibatches", "unroll_length", "num_updates_per_batch", "action_repeat",
                     "episode_length", "num_eval_envs"):
            _positive(name, getattr(self, name), allow_none=False)
        if not self.env:
            raise ValueError("env is required: a Playground env name")
        for name, (low, high) in DEFAULT_COUNTS.items():  # the defaults a recommendation computes with
            if name not in self.ppo_defaults:
                continue
            value = self.ppo_defaults[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"ppo_defaults.{name} must be a whole number from {low} to {high:,}, got "
                                 f"{str(value)[:40]!r}")

    @property
    def num_steps(self) -> int:
        """Env steps per env per unroll: what the shared num_envs curves call an iteration's length."""
        return self.unroll_length * self.action_repeat

    @property
    def env_steps_per_update(self) -> int:
        return env_steps_per_update(self.batch_size, self.unroll_length, self.num_minibatches, self.action_repeat)

    def default(self, name: str) -> Any:
        """Playground's default of a ``ppo_params`` key (``None`` when it has none)."""
        return self.ppo_defaults.get(name)


@dataclass(frozen=True)
class BraxPoint(MeasuredPoint):
    """One ``ppo.train`` run. ``train_sps`` is the median env steps/s of its compile-free training
    epochs (``training/walltime`` deltas), ``train_sps_samples`` one per epoch; ``epoch_s`` the
    median seconds of one such epoch (``training_steps`` training steps); ``compile_s`` XLA's
    compile seconds in the process outside evaluation (JAX's own compile events; loaded from the
    persistent cache when ``cache_hits > 0``); ``first_epoch_s`` the first epoch's seconds
    (compile included); ``compiled_epochs`` how many epochs compiled (JAX's compile events inside
    them; ``None`` in profiles from before it was counted, where only the first was left out) and
    ``recompile_s`` what those after the first took beyond a timed epoch; ``setup_s`` the rest of ``ppo.train`` before the first epoch (env and
    evaluator resets and their compiles). Evaluation, where the point ran it: ``eval_s`` every
    evaluation's seconds in order (the first compiles, the second recompiles once in brax 0.14.2),
    with ``num_eval_envs`` envs for ``episode_length`` steps."""

    num_envs: int
    batch_size: int
    num_minibatches: int
    unroll_length: int
    num_updates_per_batch: int = 16
    action_repeat: int = 1
    status: str = "ok"
    training_steps: int = 1
    train_sps: float | None = None
    train_sps_samples: tuple[float, ...] = ()
    epoch_s: float | None = None
    first_epoch_s: float | None = None
    compiled_epochs: int | None = None
    recompile_s: float | None = None
    setup_s: float | None = None
    compile_s: float | None = None
    cache_hits: int = 0
    eval_s: tuple[float, ...] = ()
    num_eval_envs: int | None = None
    peak_bytes: int | None = None
    xla_bytes: int | None = None
    train_wall_s: float | None = None
    wall_s: float | None = None
    error: str | None = None
    contention: Contention | None = None

    def __post_init__(self) -> None:
        for name in ("num_envs", "batch_size", "num_minibatches", "unroll_length", "num_updates_per_batch",
                     "action_repeat", "training_steps"):
            _positive(name, getattr(self, name), allow_none=False)
        self.check_measured(("train_sps", "peak_bytes", "epoch_s", "num_eval_envs", "compiled_epochs"),
                            ("compile_s", "first_epoch_s", "recompile_s", "setup_s", "train_wall_s"))
        if any(not 0 <= s <= 1e7 for s in self.eval_s):
            raise ValueError("eval_s must be seconds between 0 and 1e7")
        self.require_when_ok(("train_sps", "epoch_s"), f"key={self.key}")

    @property
    def key(self) -> tuple[int, int, int, int]:
        """``(num_envs, batch_size, num_minibatches, unroll_length)``."""
        return (self.num_envs, self.batch_size, self.num_minibatches, self.unroll_length)

    @property
    def label(self) -> str:
        return f"{self.num_envs} envs, batch {self.batch_size} x {self.num_minibatches} mb x unroll {self.unroll_length}"

    @property
    def env_steps_per_update(self) -> int:
        return env_steps_per_update(self.batch_size, self.unroll_length, self.num_minibatches, self.action_repeat)

    @property
    def warmup_s(self) -> float | None:
        """Seconds the compiling epochs took beyond timed ones (the first epoch's extra and any
        recompile after it): what compiling costs a run of this shape."""
        if self.first_epoch_s is None or self.epoch_s is None:
            return None
        return max(0.0, self.first_epoch_s - self.epoch_s) + (self.recompile_s or 0.0)

    @property
    def update_s(self) -> float | None:
        """Seconds of one training step (rollout + SGD), from the median epoch."""
        return self.epoch_s / self.training_steps if self.epoch_s else None

    @property
    def train_sps_spread(self) -> float | None:
        return sample_spread(self.train_sps_samples, self.train_sps)


def shape_of(point: BraxPoint) -> tuple[int, int, int, int, int]:
    return (point.batch_size, point.num_minibatches, point.unroll_length, point.num_updates_per_batch,
            point.action_repeat)


@dataclass(frozen=True)
class BraxSection:
    """Brax PPO measurements of one env on one accelerator. ``points`` at the workload's shape
    form the num_envs curve (:attr:`ok_points`, what the shared curves fit); the others vary the
    batch shape. ``device_count`` is the devices Brax trained on (``jax.local_device_count()``)."""

    workload: BraxWorkload
    accelerator: Accelerator
    device_count: int = 1
    memory_source: str = "unknown"
    points: tuple[BraxPoint, ...] = ()
    timeout_s: float | None = None
    sweep_settings: dict[str, Any] = field(default_factory=dict)
    method: str = ""
    versions: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _positive("device_count", self.device_count, allow_none=False)
        if self.memory_source not in MEMORY_SOURCES:
            raise ValueError(f"memory_source must be one of {', '.join(MEMORY_SOURCES)}")
        keys = [p.key for p in self.points]
        if len(keys) != len(set(keys)):
            raise ValueError("two points with the same num_envs and batch shape; keep one")

    @property
    def base_shape(self) -> tuple[int, int, int, int, int]:
        w = self.workload
        return (w.batch_size, w.num_minibatches, w.unroll_length, w.num_updates_per_batch, w.action_repeat)

    def on_curve(self, point: BraxPoint) -> bool:
        return shape_of(point) == self.base_shape

    @property
    def ok_points(self) -> tuple[BraxPoint, ...]:
        """Successful points at the workload's batch shape, by num_envs: the num_envs curve."""
        return tuple(sorted((p for p in self.points if p.ok and self.on_curve(p)), key=lambda p: p.num_envs))

    @property
    def all_ok_points(self) -> tuple[BraxPoint, ...]:
        """Every successful point, whatever its batch shape (the phase model fits them all)."""
        return tuple(sorted((p for p in self.points if p.ok), key=lambda p: p.key))

    def point(self, num_envs: int) -> BraxPoint | None:
        """The num_envs curve's point at ``num_envs``."""
        return next((p for p in self.points if p.num_envs == num_envs and self.on_curve(p)), None)

    def find(self, key: tuple[int, ...]) -> BraxPoint | None:
        key = tuple(key)
        return next((p for p in self.points if p.key == key), None)

    @property
    def requested_keys(self) -> tuple[tuple[int, int, int, int], ...]:
        return tuple(tuple(k) for k in self.sweep_settings.get("grid", ()))

    @property
    def requested_num_envs(self) -> tuple[int, ...]:
        return tuple(sorted({k[0] for k in self.requested_keys}))

    @property
    def oom_num_envs(self) -> int | None:
        ooms = [p.num_envs for p in self.points if p.status == "oom"]
        return min(ooms) if ooms else None

    def unfinished_keys(self) -> list[tuple[int, int, int, int]]:
        return [k for k in self.requested_keys
                if self.find(k) is None or self.find(k).status in UNFINISHED_STATUSES]

    def with_point(self, point: BraxPoint) -> BraxSection:
        kept = tuple(p for p in self.points if p.key != point.key)
        source = self.memory_source
        return dataclasses.replace(self, points=tuple(sorted(kept + (point,), key=lambda p: p.key)),
                                   memory_source=source)

    @property
    def eval_point(self) -> BraxPoint | None:
        """The point that measured evaluation (the first with three or more evaluations)."""
        return next((p for p in self.points if p.ok and len(p.eval_s) >= 3), None)


#: The section this kind adds to a profile (see :mod:`profiler.kinds`).
SECTION = BraxSection
