"""The pace of a race's runs: the env steps/s and start-up at which the user's training actually
went on its way to the score, read off each run's score curve, and how it sets against the
calibration's figures for the same configs.

A calibration times whole runs of the program and takes the rate between two run lengths; its
fixed cost holds everything a run costs once, the program's exit included. Time to score is
another quantity: the start-up before the first update, then early training up to the moment the
score line appears. The two differ on real trainers: a program's exit (Stable-Baselines3's PPO
takes ~0.9 s after its last line) is in the calibration's fixed cost and in no time to score, and
early training need not run at the rate of a long run (docs/accuracy.md). A race measures the
program in exactly the regime time to score needs, so where it ran a config its pace replaces the
calibration's; between raced configs the calibration's curve gives the shape and the race's pace
the level (:func:`pace_correction`).

Each run's curve points ``(wall_s, env_steps)`` up to its score (all of them for a run that did not
reach it) give ``wall_s = start_s + env_steps / env_steps_per_s`` by least squares; a config's pace
is the median over its runs, its spread the runs' range. Pure numpy.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Sequence

import numpy as np

#: A run's curve needs this many points with distinct env steps to give a pace ...
MIN_POINTS = 3
#: ... spanning at least this many seconds of its own time.
MIN_SPAN_S = 0.5


@dataclass(frozen=True)
class Pace:
    """One config's pace over its runs: ``env_steps_per_s`` (median), ``low``/``high`` (the runs'
    range), ``start_s`` (median seconds before the first env step, start-up and compile),
    ``runs`` (how many runs had a curve long enough)."""

    num_envs: int
    env_steps_per_s: float
    low: float
    high: float
    start_s: float
    runs: int


def run_pace(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """``(env_steps_per_s, start_s)`` of one run from its curve's ``(wall_s, env_steps)``; ``None``
    when the curve is too short (fewer than :data:`MIN_POINTS` distinct env steps, or under
    :data:`MIN_SPAN_S` seconds) or does not advance."""
    pts = [(float(t), float(e)) for t, e in points if e > 0 and math.isfinite(t)]
    if len({e for _, e in pts}) < MIN_POINTS:
        return None
    t = np.array([p[0] for p in pts])
    e = np.array([p[1] for p in pts])
    if t.max() - t.min() < MIN_SPAN_S:
        return None
    slope, intercept = np.polyfit(e, t, 1)  # seconds per env step, seconds at zero env steps
    if not slope > 0:
        return None
    return 1.0 / float(slope), float(intercept)


def config_paces(runs: Sequence[tuple[int, Sequence[tuple[float, float]]]]) -> dict[int, Pace]:
    """Every config's :class:`Pace` from ``(num_envs, curve points)`` of its runs; configs none of
    whose runs gave a pace are left out."""
    by_config: dict[int, list[tuple[float, float]]] = {}
    for num_envs, points in runs:
        pace = run_pace(points)
        if pace is not None:
            by_config.setdefault(num_envs, []).append(pace)
    return {n: Pace(num_envs=n, env_steps_per_s=statistics.median(r for r, _ in paces), low=min(r for r, _ in paces),
                    high=max(r for r, _ in paces), start_s=statistics.median(s for _, s in paces), runs=len(paces))
            for n, paces in sorted(by_config.items())}


@dataclass(frozen=True)
class Correction:
    """What to multiply a config's calibrated env steps/s by (``ratio``, with ``low``/``high``) and
    add to its calibrated fixed cost (``offset_s``); ``source``: ``raced`` (its own runs),
    ``between`` (interpolated between raced configs), ``beyond`` (the nearest raced config's,
    outside their range)."""

    ratio: float
    low: float
    high: float
    offset_s: float
    source: str


def pace_correction(paces: dict[int, Pace], calibrated: dict[int, tuple[float, float]]) -> dict[int, Correction]:
    """For every config of ``calibrated`` (``num_envs -> (env steps/s, fixed s)`` from the
    calibration), the correction that turns it into the race's pace: at a raced config the ratio of
    its runs' pace to the calibration (interval: its runs' range), elsewhere the log ratio and the
    start-up offset interpolated linearly in log num_envs between the raced configs around it (the
    nearest one's beyond them), with the range of every raced config's ratio as its interval (how
    far the correction itself varies along num_envs). Empty when no raced config has a pace and a
    calibrated figure."""
    known = {n: p for n, p in paces.items() if n in calibrated and calibrated[n][0] > 0}
    if not known:
        return {}
    xs = sorted(known)
    log_n = np.log(np.array(xs, dtype=float))
    log_ratio = np.array([math.log(known[n].env_steps_per_s / calibrated[n][0]) for n in xs])
    offsets = np.array([known[n].start_s - calibrated[n][1] for n in xs])
    lows = [known[n].low / calibrated[n][0] for n in xs]
    highs = [known[n].high / calibrated[n][0] for n in xs]
    spread_low, spread_high = min(lows), max(highs)
    out = {}
    for n, (sps, _fixed) in calibrated.items():
        if n in known:
            p = known[n]
            out[n] = Correction(ratio=p.env_steps_per_s / sps, low=p.low / sps, high=p.high / sps,
                                offset_s=p.start_s - calibrated[n][1], source="raced")
            continue
        x = math.log(n)
        ratio = float(math.exp(np.interp(x, log_n, log_ratio)))
        offset = float(np.interp(x, log_n, offsets))
        out[n] = Correction(ratio=ratio, low=min(spread_low, ratio), high=max(spread_high, ratio), offset_s=offset,
                            source="between" if xs[0] < n < xs[-1] else "beyond")
    return out
