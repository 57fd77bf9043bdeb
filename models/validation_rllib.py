"""Leave-one-out validation of an RLlib profile's scaling model (what ``advisor validate``
reports for RLlib): each measured (runners, envs per runner) point is predicted by the model
fitted without it, with its interval, so the rate at which held-out points fall inside their
intervals can be set beside the interval's stated confidence."""

from __future__ import annotations

from dataclasses import dataclass

from models.scaling import RunnerScalingModel
from models.scaling_intervals import scaling_intervals


@dataclass(frozen=True)
class RllibLooRow:
    """One held-out point; ``error`` is predicted/measured - 1, ``inside`` whether the measured
    env steps/s lay in the interval; the efficiency fields are ``None`` without a measured
    1r x 1e baseline (and for the baseline itself). ``interior``: neither the fewest nor the
    most runners measured at this envs per runner. ``reason`` says why there is no prediction."""

    num_env_runners: int
    num_envs_per_env_runner: int
    measured: float
    predicted: float | None
    low: float | None
    high: float | None
    error: float | None
    inside: bool | None
    interior: bool
    efficiency_measured: float | None = None
    efficiency_predicted: float | None = None
    efficiency_low: float | None = None
    efficiency_high: float | None = None
    efficiency_inside: bool | None = None
    reason: str | None = None
    form: str | None = None  # the USL form the rest chose


@dataclass(frozen=True)
class RllibValidation:
    confidence: float
    rows: tuple[RllibLooRow, ...]

    def _predicted(self, interior: bool | None = None) -> list[RllibLooRow]:
        return [r for r in self.rows if r.predicted is not None and (interior is None or r.interior == interior)]

    @property
    def coverage(self) -> float | None:
        """Fraction of held-out points whose measured env steps/s lay inside the interval."""
        rows = self._predicted()
        return sum(r.inside for r in rows) / len(rows) if rows else None

    @property
    def efficiency_coverage(self) -> float | None:
        rows = [r for r in self.rows if r.efficiency_inside is not None]
        return sum(r.efficiency_inside for r in rows) / len(rows) if rows else None

    @property
    def worst_interior_error(self) -> float | None:
        """Largest |env steps/s error| at interior runner counts."""
        rows = self._predicted(interior=True)
        return max(abs(r.error) for r in rows) if rows else None

    @property
    def worst_interior_efficiency_error(self) -> float | None:
        """Largest |efficiency error| (fraction points) at interior runner counts."""
        rows = [r for r in self._predicted(interior=True) if r.efficiency_predicted is not None]
        return max(abs(r.efficiency_predicted - r.efficiency_measured) for r in rows) if rows else None


def validate_rllib(keys: list[tuple[int, int]], env_steps_per_s: list[float], samples: list | None = None,
                   **params) -> RllibValidation:
    """Leave each point out in turn; ``samples`` (timed iterations per point) feed the spread."""
    measured = dict(zip(keys, map(float, env_steps_per_s)))
    baseline = measured.get((1, 1))
    rows = []
    confidence = RunnerScalingModel(**params).confidence
    for i, (r, e) in enumerate(keys):
        same = sorted(k[0] for k in keys if k[1] == e)
        interior = same[0] < r < same[-1]
        rest = [j for j in range(len(keys)) if j != i]
        value = measured[(r, e)]
        try:
            model = RunnerScalingModel(**params).fit([keys[j] for j in rest], [env_steps_per_s[j] for j in rest],
                                                     y_samples=None if samples is None else [samples[j] for j in rest])
            pred = float(model.predict([(r, e)])[0])
            iv = scaling_intervals(model, [(r, e)])
        except ValueError as exc:
            rows.append(RllibLooRow(r, e, value, None, None, None, None, None, interior, reason=str(exc)))
            continue
        low, high = float(iv.env_steps_per_s[0][0]), float(iv.env_steps_per_s[1][0])
        eff = {}
        if baseline is not None and (r, e) != (1, 1) and iv.efficiency is not None:
            measured_eff = value / baseline / (r * e)
            e_low, e_high = float(iv.efficiency[0][0]), float(iv.efficiency[1][0])
            eff = dict(efficiency_measured=measured_eff, efficiency_predicted=float(model.efficiency([(r, e)])[0]),
                       efficiency_low=e_low, efficiency_high=e_high, efficiency_inside=e_low <= measured_eff <= e_high)
        rows.append(RllibLooRow(r, e, value, pred, low, high, pred / value - 1, low <= value <= high, interior, **eff,
                                form=model.usl_.form_))
    return RllibValidation(confidence, tuple(rows))
