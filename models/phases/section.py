"""The phase model of an MJX section: fitting :class:`models.phases.iteration.PhaseModel` to the
points' phase timings, and its leave-one-out validation along both axes. Pure: no I/O.

A section fits it when at least two num_envs have both phases timed and their update phases
span two or more minibatch sizes; otherwise :func:`fit_phases` returns ``None`` and predictions
fall back to the fused curve over num_envs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from models.base import distinct
from models.phases.iteration import PhaseModel


@dataclass(frozen=True)
class PhaseData:
    """A section's phase timings as the model's inputs (see :meth:`PhaseModel.fit`); ``owners``
    says which point (num_envs) each update row and rollout row came from."""

    X: np.ndarray
    y: np.ndarray
    y_samples: list
    owners: np.ndarray
    rollouts: np.ndarray
    rollout_samples: list
    rollout_owners: np.ndarray
    fused: np.ndarray
    fused_owners: np.ndarray
    #: the config ``(num_envs, num_steps, num_minibatches, update_epochs)`` of each fused pair
    fused_rows: np.ndarray | None = None

    def without(self, num_envs: int | None = None, update_row: int | None = None) -> PhaseData:
        """The data less one point (all its rows) or less one update row."""
        keep_u = np.ones(self.y.size, bool)
        keep_r = np.ones(self.rollouts.shape[0], bool)
        keep_f = np.ones(self.fused.shape[0], bool)
        if num_envs is not None:
            keep_u &= self.owners != num_envs
            keep_r &= self.rollout_owners != num_envs
            keep_f &= self.fused_owners != num_envs
        if update_row is not None:
            keep_u[update_row] = False
        pick = lambda seq, keep: [s for s, k in zip(seq, keep) if k]  # noqa: E731
        return PhaseData(self.X[keep_u], self.y[keep_u], pick(self.y_samples, keep_u), self.owners[keep_u],
                         self.rollouts[keep_r], pick(self.rollout_samples, keep_r), self.rollout_owners[keep_r],
                         self.fused[keep_f], self.fused_owners[keep_f],
                         None if self.fused_rows is None else self.fused_rows[keep_f])

    def fittable(self) -> bool:
        if self.y.size == 0 or self.rollouts.shape[0] == 0:
            return False
        minibatch = self.X[:, 0] * self.X[:, 1] / self.X[:, 2]
        return distinct(self.rollouts[:, 0]).size >= 2 and distinct(minibatch).size >= 2

    def fit(self, **params: Any) -> PhaseModel:
        return PhaseModel(**params).fit(self.X, self.y, rollouts=self.rollouts, fused=self.fused,
                                        fused_envs=self.fused_owners, y_samples=self.y_samples,
                                        rollout_samples=self.rollout_samples, fused_rows=self.fused_rows)


def phase_data(section: Any) -> PhaseData:
    """The phase timings of the section's successful points."""
    X, y, samples, owners = [], [], [], []
    rollouts, rsamples, rowners, fused, fowners, frows = [], [], [], [], [], []
    for p in section.ok_points:
        if not getattr(p, "has_phases", False):
            continue
        steps, epochs = p.num_steps or section.workload.num_steps, p.update_epochs or section.workload.update_epochs
        for u in p.update_phases:
            X.append((p.num_envs, steps, u.num_minibatches, epochs))
            y.append(u.seconds)
            samples.append(u.seconds_samples)
            owners.append(p.num_envs)
        rollouts.append((p.num_envs, steps, p.rollout_s))
        rsamples.append(p.rollout_s_samples)
        rowners.append(p.num_envs)
        own = p.update_phase(p.num_minibatches)
        if own is not None and p.train_sps:
            fused.append((p.rollout_s + own.seconds, p.batch_size / p.train_sps))
            fowners.append(p.num_envs)
            frows.append((p.num_envs, steps, p.num_minibatches, epochs))
    return PhaseData(np.asarray(X, float).reshape(-1, 4), np.asarray(y, float), samples, np.asarray(owners),
                     np.asarray(rollouts, float).reshape(-1, 3), rsamples, np.asarray(rowners),
                     np.asarray(fused, float).reshape(-1, 2), np.asarray(fowners), np.asarray(frows, float).reshape(-1, 4))


def fit_phases(section: Any) -> PhaseModel | None:
    """The fitted phase model, or ``None`` when the section's phase timings cannot support it."""
    data = phase_data(section)
    return data.fit() if data.fittable() else None


@dataclass(frozen=True)
class PhaseRow:
    """One held-out measurement: ``axis`` is ``num_envs`` (a whole point held out; the fused
    train_sps predicted) or ``num_minibatches`` (one update phase held out; its seconds
    predicted). ``interior``: inside the range the remaining data spans on that axis."""

    axis: str
    num_envs: int
    num_minibatches: int
    measured: float
    predicted: float
    error: float
    interior: bool


def validate_phases(section: Any) -> list[PhaseRow]:
    """Leave-one-out along both axes (empty when the model cannot be fitted)."""
    data = phase_data(section)
    if not data.fittable():
        return []
    rows = []
    by_envs = {p.num_envs: p for p in section.ok_points}
    for envs in distinct(data.rollout_owners):
        rest = data.without(num_envs=int(envs))
        point = by_envs[int(envs)]
        if not rest.fittable() or not point.train_sps:
            continue
        model = rest.fit()
        shape = [[point.num_envs, point.num_steps, point.num_minibatches, point.update_epochs]]
        predicted = float(model.predict(shape)[0])
        remaining = rest.rollouts[:, 0]
        rows.append(PhaseRow("num_envs", point.num_envs, point.num_minibatches, point.train_sps, predicted,
                             predicted / point.train_sps - 1, bool(remaining.min() < envs < remaining.max())))
    for i in range(data.y.size):
        envs = int(data.owners[i])
        if np.sum(data.owners == envs) < 2:  # only the point's own count: the num_envs rows cover it
            continue
        rest = data.without(update_row=i)
        if not rest.fittable():
            continue
        model = rest.fit()
        _, update = model.phase_seconds(data.X[i : i + 1])
        k = data.X[i, 2]
        others = rest.X[rest.owners == envs, 2]
        rows.append(PhaseRow("num_minibatches", envs, int(k), float(data.y[i]), float(update[0]),
                             float(update[0]) / float(data.y[i]) - 1,
                             bool(others.size and others.min() < k < others.max())))
    return rows


def summary(rows: list[PhaseRow], axis: str, interior_only: bool = True) -> tuple[float | None, float | None]:
    """``(median, worst)`` absolute error of the (interior) rows of ``axis`` (``None`` without any)."""
    errors = sorted(abs(r.error) for r in rows if r.axis == axis and (r.interior or not interior_only))
    if not errors:
        return None, None
    mid = len(errors) // 2
    median = errors[mid] if len(errors) % 2 else (errors[mid - 1] + errors[mid]) / 2
    return median, errors[-1]
