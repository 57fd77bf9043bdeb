"""A race: candidate configs of the user's real training, each run with several seeds until it
reaches a target score, within a wall-clock budget (``advisor race``). Stored in the profile's
``races`` (oldest first), so the evidence of which config reaches the score soonest stays with the
throughput measurements it is set beside.

Times are the run's own wall seconds from its process start (start-up and compile included, as
the user waits for them), pauses excluded: a run the race set aside while another ran did not
train then. A run that has not reached the score is **censored**: its time to score is "more than"
the seconds it ran, never a number, and a config's median is known only when the censored runs
cannot move it. Units are in the names: ``*_s`` seconds, ``env_steps*`` env steps.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

#: The version of a race's stored form (the profile's own ``schema_version`` covers the rest).
RACE_SCHEMA_VERSION = 1
#: ``reached``: the score was reached (``time_to_score_s`` set); ``censored``: the race stopped it
#: first (halving, a config that could no longer win, the budget); ``ended``: the program exited
#: before reaching it (its ``{total_timesteps}`` ran out); ``error``, ``oom``, ``timeout``: it failed
#: (its time to score is still "more than" what it ran); ``interrupted``: Ctrl-C, run again by
#: ``--resume``; ``running``: started and not settled (paused between slices, or running when the
#: race was saved; a resumed race runs it again); ``pending``: not started yet.
RUN_STATUSES = ("reached", "censored", "ended", "error", "oom", "timeout", "interrupted", "running", "pending")
#: Runs that count for a config's time to score (interrupted and pending ones are still to run).
SETTLED = ("reached", "censored", "ended", "error", "oom", "timeout")
#: Points kept of a run's score curve.
MAX_CURVE_POINTS = 240


@dataclass(frozen=True)
class CurvePoint:
    """The run's score (smoothed as the race reads it) at ``wall_s`` seconds of its own time and
    ``env_steps`` env steps."""

    wall_s: float
    env_steps: int
    score: float


@dataclass(frozen=True)
class RaceRun:
    """One seed of one config. ``wall_s``: seconds it ran (pauses excluded); ``time_to_score_s``
    and ``env_steps_to_score``: when it first reached the score (``None`` unless ``reached``);
    ``rung``: the last halving rung it ran in; ``curve``: its scores over time."""

    num_envs: int
    seed: int
    status: str = "pending"
    wall_s: float = 0.0
    time_to_score_s: float | None = None
    env_steps_to_score: int | None = None
    last_env_steps: int | None = None
    last_score: float | None = None
    rung: int = 0
    curve: tuple[CurvePoint, ...] = ()
    error: str | None = None
    log: str = ""

    def __post_init__(self) -> None:
        if self.status not in RUN_STATUSES:
            raise ValueError(f"status must be one of {', '.join(RUN_STATUSES)}, got {self.status!r}")
        if self.num_envs < 1:
            raise ValueError(f"num_envs must be positive, got {self.num_envs}")
        if self.status == "reached" and (self.time_to_score_s is None or self.env_steps_to_score is None):
            raise ValueError("a reached run needs time_to_score_s and env_steps_to_score")
        if not 0 <= self.wall_s <= 1e8:
            raise ValueError(f"wall_s must be between 0 and 1e8 seconds, got {self.wall_s!r}")

    @property
    def key(self) -> tuple[int, int]:
        return (self.num_envs, self.seed)

    @property
    def settled(self) -> bool:
        return self.status in SETTLED

    @property
    def reached(self) -> bool:
        return self.status == "reached"

    @property
    def bound_s(self) -> float:
        """Its time to score if reached, else the lower bound: the seconds it ran."""
        return self.time_to_score_s if self.reached else self.wall_s


@dataclass(frozen=True)
class ConfigResult:
    """One config over its seeds: ``time_to_score_s`` the median time to score, ``None`` when
    censored runs could still move it (``censored``; then ``more_than_s`` is a lower bound of the
    median); ``env_steps_to_score`` the median over the runs that reached it."""

    num_envs: int
    runs: tuple[RaceRun, ...]
    time_to_score_s: float | None
    more_than_s: float | None
    env_steps_to_score: float | None
    eliminated: bool

    @property
    def censored(self) -> bool:
        return self.time_to_score_s is None

    @property
    def reached_runs(self) -> tuple[RaceRun, ...]:
        return tuple(r for r in self.runs if r.reached)

    @property
    def spread_s(self) -> tuple[float, float] | None:
        """Fastest and slowest time to score among the seeds that reached it."""
        times = [r.time_to_score_s for r in self.reached_runs]
        return (min(times), max(times)) if times else None


def censored_median(runs: list[RaceRun], live: bool = False) -> tuple[float | None, float | None]:
    """``(median, None)`` when the settled runs fix the median time to score, else ``(None, lower
    bound)``: a censored run's time is "more than" its seconds, so the median is known only when
    at least half the seeds (plus one) reached the score and every censored run ran past the
    slowest of the times that make the median. ``live``: runs still running count as censored at
    the seconds they ran so far (the race's view while it runs)."""
    settled = [r for r in runs if r.settled or (live and r.status == "running")]
    if not settled:
        return None, None
    # a seed still to run (pending, interrupted) may take any time: its bound is 0
    lower = statistics.median([r.bound_s if r in settled else 0.0 for r in runs])
    if len(settled) < len(runs):
        return None, lower
    reached = sorted(r.time_to_score_s for r in settled if r.reached)
    need = len(settled) // 2 + 1
    if len(reached) < need:
        return None, lower
    if any(r.bound_s < reached[need - 1] for r in settled if not r.reached):
        return None, lower
    # the censored runs all lie beyond the middle: the median of the reached times padded with them
    return statistics.median(reached + [float("inf")] * (len(settled) - len(reached))), None


@dataclass(frozen=True)
class Race:
    """One race (module docstring). ``kind`` is the workload kind that ran it; ``score`` the
    target (higher is better); ``budget_s`` the wall-clock budget and ``spent_s`` what it used;
    ``num_envs`` the candidates and ``current`` the user's own config among them; ``seeds`` the
    seeds each ran with; ``num_steps`` env steps per env per update (for env steps per update,
    the sample-efficiency model's batch; 1 when not known); ``update_env_steps`` the env steps per
    update where the kind's shape fixes them whatever num_envs (Brax's batch_size x unroll_length x
    num_minibatches x action_repeat; ``None``: num_envs x num_steps); ``settings`` what a ``--resume`` must
    share; ``eliminated`` configs the halving stopped; ``finished``: the race ended (not
    interrupted); ``method`` how it ran and ``device`` on what."""

    kind: str
    score: float
    budget_s: float
    num_envs: tuple[int, ...]
    seeds: tuple[int, ...]
    created: str = ""
    name: str = ""
    current: int | None = None
    num_steps: int = 1
    update_env_steps: int | None = None
    runs: tuple[RaceRun, ...] = ()
    eliminated: tuple[int, ...] = ()
    rung: int = 0
    spent_s: float = 0.0
    finished: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    method: str = ""
    device: str = ""
    schema_version: int = RACE_SCHEMA_VERSION

    def __post_init__(self) -> None:
        if self.schema_version > RACE_SCHEMA_VERSION:
            raise ValueError(f"race schema_version {self.schema_version} is newer than this advisor understands; "
                             "upgrade advisor")
        if not self.num_envs or not self.seeds:
            raise ValueError("a race needs candidate num_envs and seeds")
        if self.budget_s <= 0:
            raise ValueError(f"budget_s must be positive, got {self.budget_s!r}")
        if self.update_env_steps is not None and self.update_env_steps < 1:
            raise ValueError(f"update_env_steps must be positive, got {self.update_env_steps!r}")
        keys = [r.key for r in self.runs]
        if len(keys) != len(set(keys)):
            raise ValueError("two runs of one config and seed; keep one")

    def env_steps_per_update(self, num_envs: int) -> int:
        """The sample-efficiency model's batch at ``num_envs``: ``update_env_steps`` where the shape
        fixes it, else ``num_envs x num_steps``."""
        return self.update_env_steps or num_envs * self.num_steps

    def run(self, num_envs: int, seed: int) -> RaceRun | None:
        return next((r for r in self.runs if r.key == (num_envs, seed)), None)

    def with_run(self, run: RaceRun) -> Race:
        import dataclasses

        kept = tuple(r for r in self.runs if r.key != run.key)
        return dataclasses.replace(self, runs=tuple(sorted(kept + (run,), key=lambda r: r.key)))

    def config(self, num_envs: int) -> ConfigResult:
        runs = tuple(r for r in self.runs if r.num_envs == num_envs)
        median, more_than = censored_median(list(runs))
        reached = [r.env_steps_to_score for r in runs if r.reached]
        return ConfigResult(num_envs=num_envs, runs=runs, time_to_score_s=median, more_than_s=more_than,
                            env_steps_to_score=statistics.median(reached) if median is not None and reached else None,
                            eliminated=num_envs in self.eliminated)

    @property
    def configs(self) -> tuple[ConfigResult, ...]:
        return tuple(self.config(n) for n in self.num_envs)

    @property
    def winner(self) -> ConfigResult | None:
        """The config with the shortest known median time to score (``None``: none is known)."""
        known = [c for c in self.configs if not c.censored]
        return min(known, key=lambda c: c.time_to_score_s) if known else None

    @property
    def unfinished(self) -> bool:
        return not self.finished
