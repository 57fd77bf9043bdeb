"""A verified run: one whole MJX training run to a target, timed end to end, beside what the
profile's model predicted for that exact config.

``advisor verify`` stores these in the MJX section (``verified_runs``), so the profile keeps
the evidence of how well it predicts. Units are in the names: ``*_s`` seconds, ``*_sps`` env
steps per second, ``*_bytes`` bytes. ``measured_time_s`` is compile plus run, as a user sees
it (``measured_compile_s`` + ``measured_run_s``); ``process_wall_s`` adds the process start,
imports and env build. ``predicted_*`` are ``None`` when the profile could not predict.
"""

from __future__ import annotations

from dataclasses import dataclass

from profiler.checks import positive as _positive
from profiler.contention import Contention


@dataclass(frozen=True)
class VerifiedRun:
    """One ``advisor verify`` run (module docstring). ``source`` says where the config came
    from (``recommended`` or ``given``); ``predicted_basis`` how the prediction was made;
    ``device`` what it ran on; ``compile_cache_hit`` whether the program came from JAX's
    persistent cache (then ``measured_compile_s`` is load time, not a compile)."""

    created: str
    target_steps: int
    num_envs: int
    num_steps: int
    num_minibatches: int
    update_epochs: int
    num_updates: int
    env_steps: int
    measured_time_s: float
    measured_compile_s: float
    measured_run_s: float
    measured_train_sps: float
    source: str = "given"
    hidden_layers: tuple[int, ...] = ()
    predicted_time_s: float | None = None
    predicted_train_sps: float | None = None
    predicted_compile_s: float | None = None
    predicted_basis: str = ""
    peak_bytes: int | None = None
    memory_source: str = "unknown"
    process_wall_s: float | None = None
    compile_cache_hit: bool = False
    device: str = ""
    contention: Contention | None = None

    def __post_init__(self) -> None:
        for name in ("target_steps", "num_envs", "num_steps", "num_minibatches", "update_epochs", "num_updates",
                     "env_steps", "measured_train_sps"):
            _positive(name, getattr(self, name), allow_none=False)
        for name in ("predicted_time_s", "predicted_train_sps", "peak_bytes"):
            _positive(name, getattr(self, name))
        for name in ("measured_time_s", "measured_compile_s", "measured_run_s", "predicted_compile_s",
                     "process_wall_s"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 1e8:
                raise ValueError(f"{name} must be between 0 and 1e8 seconds, got {value!r}")
        if self.source not in ("recommended", "given"):
            raise ValueError(f"source must be recommended or given, got {self.source!r}")

    @property
    def time_error(self) -> float | None:
        """(predicted - measured) / measured time to target; ``None`` without a prediction."""
        if self.predicted_time_s is None or not self.measured_time_s:
            return None
        return (self.predicted_time_s - self.measured_time_s) / self.measured_time_s

    @property
    def train_sps_error(self) -> float | None:
        if self.predicted_train_sps is None:
            return None
        return (self.predicted_train_sps - self.measured_train_sps) / self.measured_train_sps
