"""The RLlib section of a profile: PPO sampling + training throughput as env runners vary.

Units are in the field names: ``env_steps_per_s`` is env steps per second, ``*_s`` are seconds,
``*_percent`` is 0-100. Derived values are properties, never stored.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from profiler.checks import LIMITS, UNFINISHED_STATUSES, MeasuredPoint
from profiler.checks import positive as _positive
from profiler.contention import Contention


@dataclass(frozen=True)
class RllibWorkload:
    """RLlib PPO on a gymnasium env (new API stack), in RLlib's config key names. Defaults are the
    source write-up's settings; ``fcnet_hiddens``/``fcnet_activation`` are RLlib's default model."""

    env_id: str = "HalfCheetah-v5"
    lr: float = 3e-4
    lambda_: float = 0.95
    num_epochs: int = 3
    train_batch_size_per_learner: int = 16384
    minibatch_size: int = 4096
    fcnet_hiddens: tuple[int, ...] = (256, 256)
    fcnet_activation: str = "tanh"
    num_learners: int = 0

    def __post_init__(self) -> None:
        if not self.env_id:
            raise ValueError("env_id is required, e.g. HalfCheetah-v5")
        for name in ("lr", "lambda_", "num_epochs", "train_batch_size_per_learner", "minibatch_size"):
            _positive(name, getattr(self, name), allow_none=False)
        if self.minibatch_size > self.train_batch_size_per_learner:
            raise ValueError("minibatch_size must not exceed train_batch_size_per_learner")
        if not self.fcnet_hiddens or any(h <= 0 for h in self.fcnet_hiddens):
            raise ValueError(f"fcnet_hiddens must be positive sizes, got {self.fcnet_hiddens!r}")
        if self.num_learners < 0:
            raise ValueError("num_learners must not be negative")


@dataclass(frozen=True)
class RllibPoint(MeasuredPoint):
    """One RLlib calibration point: PPO training iterations with ``num_env_runners`` runners of
    ``num_envs_per_env_runner`` vectorised envs each.

    ``env_steps_per_s`` is the median over timed iterations (after a warm-up one) of env steps
    sampled in the iteration (``env_runners/num_env_steps_sampled``) over its wall time, so it
    counts sampling and the learner update; ``env_steps_per_s_samples`` keeps each iteration's.
    ``iter_s`` is the median ``time_this_iter_s``; ``sample_s`` and ``learner_s`` split it (see the
    section's ``method``). ``cpu_util_percent`` is the mean system-wide CPU use (0-100) of the
    driver's machine over the timed iterations. ``node_ids``/``node_ips`` are the Ray nodes the
    env runners ran on (one entry per runner). ``contention`` is what other processes did while it was
    timed (``None`` in profiles from before it was recorded, and for imports).
    """

    num_env_runners: int
    num_envs_per_env_runner: int = 1
    status: str = "ok"
    num_cpus_per_env_runner: float | None = None
    env_steps_per_s: float | None = None
    env_steps_per_s_samples: tuple[float, ...] = ()
    iter_s: float | None = None
    sample_s: float | None = None
    learner_s: float | None = None
    cpu_util_percent: float | None = None
    env_steps_per_iter: int | None = None
    node_ids: tuple[str, ...] = ()
    node_ips: tuple[str, ...] = ()
    startup_s: float | None = None
    wall_s: float | None = None
    error: str | None = None
    contention: Contention | None = None

    def __post_init__(self) -> None:
        _positive("num_env_runners", self.num_env_runners, allow_none=False)
        _positive("num_envs_per_env_runner", self.num_envs_per_env_runner, allow_none=False)
        self.check_measured(("num_cpus_per_env_runner", "env_steps_per_s", "iter_s", "env_steps_per_iter"), (),
                            "env_steps_per_s")
        for name in ("sample_s", "learner_s", "cpu_util_percent", "startup_s"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative")
        self.require_when_ok(("env_steps_per_s",), str(self.key))

    @property
    def key(self) -> tuple[int, int]:
        """``(num_env_runners, num_envs_per_env_runner)``."""
        return (self.num_env_runners, self.num_envs_per_env_runner)

    @property
    def total_envs(self) -> int:
        """Envs stepping in parallel: runners x envs per runner."""
        return self.num_env_runners * self.num_envs_per_env_runner

    @property
    def label(self) -> str:
        """The source's notation, e.g. ``8r x 2e``."""
        return f"{self.num_env_runners}r x {self.num_envs_per_env_runner}e"

    @property
    def num_nodes(self) -> int:
        """Distinct Ray nodes the env runners ran on (0 when not recorded)."""
        return len(set(self.node_ids))


@dataclass(frozen=True)
class RllibSection:
    """RLlib PPO scaling measurements, with how they were taken. ``ray_cpus`` is the CPUs Ray had
    (the cluster's total with ``address``); ``driver_cpus`` were held back for the driver and
    its local learner; ``address`` is ``None`` for a fresh local Ray session per point."""

    workload: RllibWorkload
    points: tuple[RllibPoint, ...] = ()
    ray_cpus: float | None = None
    driver_cpus: float = 1.0
    address: str | None = None
    num_nodes: int = 1
    warmup_iterations: int = 1
    repeats: int = 0
    timeout_s: float | None = None
    requested_grid: tuple[tuple[int, ...], ...] = ()
    sweep_settings: dict[str, Any] = field(default_factory=dict)
    method: str = ""

    def __post_init__(self) -> None:
        _positive("ray_cpus", self.ray_cpus)
        if not 0 <= self.driver_cpus <= LIMITS["driver_cpus"]:
            raise ValueError(f"driver_cpus must be from 0 to {LIMITS['driver_cpus']:g}, got {self.driver_cpus!r}")
        keys = [p.key for p in self.points]
        if len(keys) != len(set(keys)):
            twice = next(k for k in keys if keys.count(k) > 1)
            raise ValueError(f"two points at {twice[0]} runners x {twice[1]} envs per runner; keep one")
        for name in ("num_nodes", "warmup_iterations", "repeats"):
            value = getattr(self, name)
            if not 0 <= value <= LIMITS[name]:
                raise ValueError(f"{name} must be from 0 to {LIMITS[name]:,}, got {value!r}")
        _positive("timeout_s", self.timeout_s)

    @property
    def ok_points(self) -> tuple[RllibPoint, ...]:
        return tuple(sorted((p for p in self.points if p.ok), key=lambda p: p.key[::-1]))

    def point(self, num_env_runners: int, num_envs_per_env_runner: int) -> RllibPoint | None:
        return next((p for p in self.points if p.key == (num_env_runners, num_envs_per_env_runner)), None)

    def find(self, key: tuple[int, int]) -> RllibPoint | None:
        """The point with ``key`` (runners, envs per runner), if any."""
        return self.point(*key)

    @property
    def requested_keys(self) -> tuple[tuple[int, int], ...]:
        return tuple(tuple(k) for k in self.requested_grid)

    def unfinished_keys(self) -> list[tuple[int, int]]:
        """Points of the requested grid still to measure (interrupted or never reached)."""
        return [key for key in self.requested_keys
                if self.find(key) is None or self.find(key).status in UNFINISHED_STATUSES]

    def with_point(self, point: RllibPoint) -> RllibSection:
        """A copy with ``point`` added, replacing any earlier point with the same key."""
        kept = tuple(p for p in self.points if p.key != point.key)
        return dataclasses.replace(self, points=tuple(sorted(kept + (point,), key=lambda p: p.key)))

#: The section this kind adds to a profile (see :mod:`profiler.kinds`).
SECTION = RllibSection
