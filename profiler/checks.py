"""Validation shared by the profile's dataclasses (raises ``ValueError``; the strict decoder
turns it into a message naming the field)."""

from __future__ import annotations

import math
from typing import Any

#: Status of one calibration point. Only ``ok`` points carry throughput; ``oom`` marks the
#: memory boundary; ``timeout``, ``error`` and ``interrupted`` record why a point has no numbers;
#: ``skipped`` was not run (predicted not to fit, or beyond a boundary); ``compiled`` was only
#: compiled, for XLA's memory analysis; ``contended`` was refused by ``--strict`` because other
#: processes kept the machine busy while it was timed (its numbers are kept but not fitted).
POINT_STATUSES = ("ok", "oom", "timeout", "error", "interrupted", "skipped", "compiled", "contended")
#: Statuses a resumed sweep measures again.
UNFINISHED_STATUSES = ("interrupted", "compiled", "contended")


#: Upper limits, far above any real machine and low enough that the arithmetic on them (divisors
#: of a batch, times to a target) stays exact and quick. CSV columns use the same names.
LIMITS = {
    "num_envs": 2**24, "num_steps": 100_000, "num_minibatches": 2**24, "minibatch_size": 2**30, "update_epochs": 10_000,
    "num_env_runners": 100_000, "num_envs_per_env_runner": 100_000, "env_steps_per_iter": 10**12,
    "train_sps": 1e12, "physics_sps": 1e12, "env_steps_per_s": 1e12,
    "peak_bytes": 2**50, "peak_vram_bytes": 2**50, "xla_bytes": 2**50, "memory_bytes": 2**50,
    "compile_s": 1e7, "iter_s": 1e7, "epoch_s": 1e7, "ray_cpus": 1e6, "num_cpus_per_env_runner": 1e6,
    "batch_size": 2**24, "unroll_length": 100_000, "num_updates_per_batch": 10_000, "action_repeat": 1000,
    "episode_length": 10**9, "num_eval_envs": 2**24, "training_steps": 10**6, "device_count": 2**16,
    "train_batch_size_per_learner": 2**31, "num_epochs": 10_000, "n_substeps": 1000, "solver_iterations": 10_000,
    "ls_iterations": 10_000, "timestep": 1.0, "lr": 1000.0, "lambda_": 1.0, "num_learners": 10_000,
    "num_nodes": 100_000, "warmup_iterations": 1000, "repeats": 1000, "timeout_s": 1e7, "driver_cpus": 1e6,
    "total_timesteps": 10**15, "hidden_layer": 65536,
}
#: The limit of a quantity :data:`LIMITS` does not name: still finite, still exact in a float.
DEFAULT_LIMIT = 2**53
#: The slowest throughput (env steps per second) a profile may hold: one env step a thousand
#: seconds. Below it, logs and ratios of the fitted curves lose their precision (a CSV's 5e-324
#: made every fit singular); no training that advisor can advise on is that slow.
MIN_RATE = 1e-3
#: Rates, with their floor.
RATES = ("train_sps", "physics_sps", "env_steps_per_s")
#: The shortest timed phase a profile may hold (seconds): a microsecond. Models divide by these
#: durations; a 5e-324 epoch made the phase fit's least squares fail.
MIN_SECONDS = 1e-6
#: Timed phases, with that floor.
DURATIONS = ("iter_s", "epoch_s")


def positive(name: str, value: float | None, *, allow_none: bool = True) -> None:
    """``value`` is a finite number above zero and within :data:`LIMITS` for ``name``."""
    if value is None:
        if not allow_none:
            raise ValueError(f"{name} is required")
        return
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or (isinstance(value, float) and not math.isfinite(value)) or not value > 0):
        raise ValueError(f"{name} must be a positive number, got {_shown(value)}")
    limit = LIMITS.get(name, DEFAULT_LIMIT)
    if value > limit:
        raise ValueError(f"{name} {_shown(value)} is beyond any real machine (at most {limit:g})")
    if name in RATES and value < MIN_RATE:
        raise ValueError(f"{name} {value!r} env steps/s is below the slowest rate a profile may hold ({MIN_RATE:g})")
    if name in DURATIONS and value < MIN_SECONDS:
        raise ValueError(f"{name} {value!r} s is shorter than any timed phase a profile may hold ({MIN_SECONDS:g} s)")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}... ({len(text)} characters)"


def settings_diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """``name: old -> new`` for every stored sweep setting that differs (one level of nesting
    spelled out as ``workload.lr``), for refusing a ``--resume`` with changed settings."""
    changes = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            changes += [f"{key}.{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        else:
            changes.append(f"{key}: {a!r} -> {b!r}")
    return changes


def positive_samples(name: str, values: tuple[float, ...], limit_of: str) -> None:
    """Every value of a sequence of timings is positive, finite and within ``limit_of``'s limit."""
    for value in values:
        try:
            positive(limit_of, value, allow_none=False)
        except ValueError:
            raise ValueError(f"{name} must hold positive numbers of at most {LIMITS[limit_of]:g}, got {value!r}") from None


class MeasuredPoint:
    """What every kind's calibration point (a frozen dataclass with a ``status`` field) shares:
    whether it measured (:attr:`ok`) and the checks of its measured figures."""

    status: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def check_measured(self, positives: tuple[str, ...], seconds: tuple[str, ...], rate: str = "train_sps") -> None:
        """Its status is one of :data:`POINT_STATUSES`; each of ``positives`` is ``None`` or
        positive; ``<rate>_samples`` hold positive rates; each of ``seconds`` is ``None`` or from 0
        to 1e7 seconds (``ValueError``)."""
        if self.status not in POINT_STATUSES:
            raise ValueError(f"status must be one of {', '.join(POINT_STATUSES)}, got {self.status!r}")
        for name in positives:
            positive(name, getattr(self, name))
        positive_samples(f"{rate}_samples", getattr(self, f"{rate}_samples"), rate)
        for name in seconds:
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 1e7:
                raise ValueError(f"{name} must be between 0 and 1e7 seconds, got {value!r}")

    def require_when_ok(self, names: tuple[str, ...], where: str) -> None:
        """An ok point has every one of ``names`` (``ValueError`` naming the point by ``where``)."""
        if self.status == "ok" and any(getattr(self, name) is None for name in names):
            raise ValueError(f"an ok point needs {' and '.join(names)} ({where})")


def sample_spread(samples: tuple[float, ...], median: float | None) -> float | None:
    """Relative spread (max-min)/median of timed samples, ``None`` with fewer than 2."""
    if len(samples) < 2 or not median:
        return None
    return (max(samples) - min(samples)) / median
