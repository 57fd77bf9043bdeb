"""Env steps to a target score as a function of env steps per update: McCandlish et al. 2018's
empirical model of large-batch training, fitted to a race's runs.

Steps and samples trade as ``(S/S_min - 1)(E/E_min - 1) = 1``: a run with ``B`` env steps per
update needs ``E(B) = E_min (1 + B / B_crit)`` env steps and ``S(B) = S_min (1 + B_crit / B)``
updates to reach the score (``E = S B``, so ``E_min = S_min B_crit``), where ``E_min`` is what an
infinitely small batch would need (the most sample-efficient) and ``B_crit`` the critical batch,
near the gradient noise scale: below it a bigger batch saves updates almost for free, above it
it mostly costs env steps. Seeds scatter around it
log-normally with spread ``sigma_``, pooled over configs' reached runs and the censored runs that ran
past every reached seed of their config (a seed that never got there is the widest scatter of all).

The fit is Bayesian on a grid of ``(log B_crit, log E_min)``: each run that reached the score
contributes the density of its env steps, each censored one the probability of needing more than
it ran (it is "more than", never dropped), and ``B_crit`` takes a log-normal prior around a
measured gradient noise scale when one is given (flat on the grid otherwise). Predictions are
the posterior median of ``E(B)``; intervals add the seeds' scatter of a median of ``seeds`` runs
to the posterior's spread. Pure numpy: fits in milliseconds, so ``recommend`` can fit at once.
"""

from __future__ import annotations

import math

import numpy as np

from models.base import Estimator, as_1d, check_is_fitted, distinct

#: Seed-to-seed spread (sd of log env steps) assumed when no config has two runs that reached.
DEFAULT_SIGMA = 0.3
#: The grid of log B_crit reaches this factor beyond the batches run, each way.
BATCH_REACH = 1000.0
_SQRT2 = math.sqrt(2.0)


def _log_survival(z: np.ndarray) -> np.ndarray:
    """log P(Z > z) for a standard normal, stable in both tails."""
    erfc = np.frompyfunc(math.erfc, 1, 1)
    value = np.asarray(erfc(z / _SQRT2), dtype=float) / 2.0
    return np.log(np.maximum(value, 1e-300))


class SampleEfficiency(Estimator):
    """``E(B) = E_min (1 + B / B_crit)`` (module docstring). ``prior_b_crit``: a measured noise
    scale (env steps) to centre ``B_crit``'s prior on, with ``prior_log_sd`` its spread in natural
    log; ``interval``: the central probability of :meth:`predict_interval`."""

    def __init__(self, prior_b_crit: float | None = None, prior_log_sd: float = math.log(4.0), interval: float = 0.9,
                 grid_size: int = 121):
        self.prior_b_crit = prior_b_crit
        self.prior_log_sd = prior_log_sd
        self.interval = interval
        self.grid_size = grid_size

    def fit(self, batch, env_steps, censored=None) -> SampleEfficiency:
        """``batch``: env steps per update of each run; ``env_steps``: env steps to score where it
        reached it, else the env steps it ran (``censored`` True); runs that ran no env steps tell
        nothing and are left out."""
        b = as_1d(batch, "batch")
        e = np.asarray(env_steps, dtype=float)
        c = np.zeros(b.size, dtype=bool) if censored is None else np.asarray(censored, dtype=bool)
        if not (b.size == e.size == c.size):
            raise ValueError("batch, env_steps and censored must have one value per run")
        keep = np.isfinite(e) & (e > 0)
        b, e, c = b[keep], e[keep], c[keep]
        if not np.any(~c):
            raise ValueError("no run reached the score: the model needs at least one")
        self.sigma_ = self._pooled_sigma(b, e, c)
        log_b, log_e = np.log(b), np.log(e)
        lo_e = float(np.min(log_e[~c])) - math.log(BATCH_REACH)
        hi_e = float(np.max(log_e[~c])) + 3 * self.sigma_
        lo_bc, hi_bc = float(log_b.min()) - math.log(BATCH_REACH), float(log_b.max()) + math.log(BATCH_REACH)
        if self.prior_b_crit is not None:  # the prior's own range, wherever the batches lie
            centre = math.log(self.prior_b_crit)
            lo_bc, hi_bc = min(lo_bc, centre - 4 * self.prior_log_sd), max(hi_bc, centre + 4 * self.prior_log_sd)
        grid_bc = np.linspace(lo_bc, hi_bc, self.grid_size)
        grid_em = np.linspace(lo_e, hi_e, self.grid_size)
        bc, em = np.meshgrid(grid_bc, grid_em, indexing="ij")  # (n_bc, n_em)
        mu = em[..., None] + np.log1p(np.exp(log_b[None, None, :] - bc[..., None]))  # (n_bc, n_em, runs)
        z = (log_e[None, None, :] - mu) / self.sigma_
        loglik = np.where(c[None, None, :], _log_survival(z), -0.5 * z**2 - math.log(self.sigma_)).sum(axis=-1)
        if self.prior_b_crit is not None:
            loglik = loglik - 0.5 * ((bc - math.log(self.prior_b_crit)) / self.prior_log_sd) ** 2
        weights = np.exp(loglik - loglik.max())
        weights /= weights.sum()
        self.grid_log_b_crit_, self.grid_log_e_min_, self.weights_ = bc.ravel(), em.ravel(), weights.ravel()
        best = int(np.argmax(self.weights_))
        self.b_crit_ = float(math.exp(self.grid_log_b_crit_[best]))
        self.e_min_ = float(math.exp(self.grid_log_e_min_[best]))
        self.batches_ = distinct(b)
        self.n_runs_, self.n_censored_ = int(b.size), int(c.sum())
        return self

    @staticmethod
    def _pooled_sigma(b: np.ndarray, e: np.ndarray, c: np.ndarray | None = None) -> float:
        """Pooled within-config sd of log env steps over configs with two or more runs that tell
        the scatter: those that reached, and censored ones that ran past every seed of their config
        that reached (a seed slower than all its config's reached ones: counted at its bound, so the
        scatter is if anything too small; one censored early, by the halving, tells nothing)."""
        c = np.zeros(b.size, dtype=bool) if c is None else c
        total, dof = 0.0, 0
        for value in distinct(b):
            mine = b == value
            reached = e[mine & ~c]
            if reached.size == 0:
                continue
            slow = e[mine & c]
            logs = np.log(np.concatenate([reached, slow[slow >= reached.max()]]))
            if logs.size >= 2:
                total += float(((logs - logs.mean()) ** 2).sum())
                dof += logs.size - 1
        return max(math.sqrt(total / dof), 0.05) if dof else DEFAULT_SIGMA

    def _log_e(self, batch) -> np.ndarray:
        check_is_fitted(self, "weights_")
        b = as_1d(batch, "batch")
        return self.grid_log_e_min_[:, None] + np.log1p(np.exp(np.log(b)[None, :] - self.grid_log_b_crit_[:, None]))

    def _quantiles(self, values: np.ndarray, qs: list[float]) -> np.ndarray:
        order = np.argsort(values)
        cdf = np.cumsum(self.weights_[order])
        return np.array([values[order][min(int(np.searchsorted(cdf, q)), values.size - 1)] for q in qs])

    def predict(self, batch) -> np.ndarray:
        """Posterior median env steps to score at each ``batch`` (env steps per update)."""
        log_e = self._log_e(batch)
        return np.array([math.exp(self._quantiles(log_e[:, j], [0.5])[0]) for j in range(log_e.shape[1])])

    def predict_interval(self, batch, seeds: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """``(low, high)`` of the median env steps to score over ``seeds`` runs at each ``batch``:
        the posterior's spread of ``E(B)`` widened by the scatter of a median of that many seeds
        (``sigma_ * 1.25 / sqrt(seeds)``, the median's standard error), added in quadrature."""
        log_e = self._log_e(batch)
        tail = (1.0 - self.interval) / 2.0
        z = math.sqrt(2.0) * _erfinv(1.0 - 2.0 * tail)
        scatter = self.sigma_ * 1.2533 / math.sqrt(max(seeds, 1))
        lows, highs = [], []
        for j in range(log_e.shape[1]):
            lo, mid, hi = self._quantiles(log_e[:, j], [tail, 0.5, 1.0 - tail])
            down = math.sqrt((mid - lo) ** 2 + (z * scatter) ** 2)
            up = math.sqrt((hi - mid) ** 2 + (z * scatter) ** 2)
            lows.append(math.exp(mid - down))
            highs.append(math.exp(mid + up))
        return np.array(lows), np.array(highs)

    def b_crit_interval(self) -> tuple[float, float]:
        """The central ``interval`` of the posterior of ``B_crit`` (env steps per update)."""
        check_is_fitted(self, "weights_")
        tail = (1.0 - self.interval) / 2.0
        lo, hi = self._quantiles(self.grid_log_b_crit_, [tail, 1.0 - tail])
        return math.exp(lo), math.exp(hi)

    def is_extrapolation(self, batch) -> np.ndarray:
        """Batches outside the raced ones."""
        check_is_fitted(self, "batches_")
        b = as_1d(batch, "batch")
        return (b < self.batches_[0] * 0.999) | (b > self.batches_[-1] * 1.001)


def _erfinv(y: float) -> float:
    """Inverse error function by Newton's method on ``math.erf`` (scipy stays out of recommend)."""
    x = 0.0
    for _ in range(60):
        err = math.erf(x) - y
        x -= err / (2.0 / math.sqrt(math.pi) * math.exp(-x * x))
    return x
