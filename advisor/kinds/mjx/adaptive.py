"""Model-driven decisions for the MJX sweep (a :class:`profiler.kinds.mjx.sweep.SweepPolicy`).

* Memory: once two points have both a measured peak and XLA's memory analysis, peak memory is
  calibrated against XLA's bytes (``peak ~ a + b * xla_bytes``); a point whose calibrated upper
  bound exceeds the device (or the sweep's memory limit) is skipped instead of run into an OOM.
* Adaptive points: the next num_envs is the geometric midpoint between measured neighbours (at
  least 1.5x apart) where the fitted train_sps interval is widest, until every such interval is
  within ``target_halfwidth``.
"""

from __future__ import annotations

import math

import numpy as np

from models.num_envs_curves import xla_calibration
from models.throughput import TrainThroughputModel
from profiler.kinds.mjx.schema import MjxSection
from profiler.kinds.mjx.sweep import BasicPolicy
from profiler.minibatch import num_envs_step


def valid_step(section: MjxSection) -> int:
    """num_envs must be a multiple of this for exact minibatch division."""
    w = section.workload
    return num_envs_step(w.num_steps, None if w.minibatch_size is not None else w.num_minibatches)


class ModelPolicy(BasicPolicy):
    def __init__(self, memory_limit_bytes: int | None = None, target_halfwidth: float = 0.05):
        self.memory_limit_bytes = memory_limit_bytes
        self.target_halfwidth = target_halfwidth

    def capacity(self, section: MjxSection) -> int | None:
        limits = [v for v in (section.accelerator.memory_bytes, self.memory_limit_bytes) if v]
        return min(limits) if limits else None

    def skip_reason(self, section: MjxSection, num_envs: int, xla_bytes: int | None) -> str | None:
        basic = super().skip_reason(section, num_envs, xla_bytes)
        capacity = self.capacity(section)
        calibration = xla_calibration(section)
        if basic or not xla_bytes or capacity is None or calibration is None:
            return basic
        upper = float(calibration.predict_upper([xla_bytes])[0])
        if upper > capacity:
            return (f"predicted peak {upper / 2**30:.2f} GiB (XLA's memory analysis calibrated on measured points) "
                    f"exceeds the {capacity / 2**30:.2f} GiB available")
        return None

    def next_point(self, section: MjxSection) -> int | None:
        ok = section.ok_points
        if len(ok) < 3:
            return None
        n = np.array([p.num_envs for p in ok], dtype=float)
        model = TrainThroughputModel(num_steps=section.workload.num_steps).fit(
            n, [p.train_sps for p in ok], y_samples=[p.train_sps_samples for p in ok])
        step = valid_step(section)
        tried = {p.num_envs for p in section.points}
        best, widest = None, self.target_halfwidth
        for low, high in zip(ok, ok[1:]):
            if high.num_envs < 1.5 * low.num_envs:  # close neighbours: noise, not the curve, is the doubt
                continue
            mid = round(math.sqrt(low.num_envs * high.num_envs) / step) * step
            if not low.num_envs < mid < high.num_envs or mid in tried:
                continue
            lo, hi = model.predict_interval([mid])
            halfwidth = math.log(float(hi[0]) / float(lo[0])) / 2
            if halfwidth > widest:
                best, widest = mid, halfwidth
        return best
