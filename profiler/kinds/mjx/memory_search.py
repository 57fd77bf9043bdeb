"""Finding the largest num_envs that fits a memory budget, by compilation alone.

Doubling, then geometric bisection, over compile-only points (``jax.eval_shape``: nothing is
allocated), each judged by XLA's memory analysis calibrated against measured peaks. No point is
run, so nothing can run out of memory.
"""

from __future__ import annotations

import math
from typing import Callable

from profiler.engine import SweepEvent
from profiler.errors import WorkloadSpecError
from profiler.kinds.mjx.mjcf import resolve_model
from profiler.kinds.mjx.points import point_from
from profiler.kinds.mjx.schema import MjxSection
from profiler.kinds.mjx.sweep import BasicPolicy, MjxSweep, MjxSweepSpec
from profiler.minibatch import num_envs_step
from profiler.store import load_profile_file, profile_path


def bisect_largest_fitting(
    spec: MjxSweepSpec,
    profile_name: str,
    fits: Callable[[MjxSection, int | None], bool],
    *,
    on_event: Callable[[SweepEvent], None] = lambda event: None,
    max_num_envs: int = 2**21,
) -> tuple[int | None, int]:
    """The largest num_envs that ``fits`` (judged from XLA's memory analysis), found by doubling
    and then bisecting over compile-only points: nothing is allocated, so no OOM can happen.

    Starts from the largest measured point; compiled points are saved in the profile (status
    ``compiled``). Returns ``(largest fitting num_envs or None, compiles run)``.
    """
    profile = load_profile_file(profile_path(profile_name))
    if profile.section("mjx") is None or not profile.section("mjx").ok_points:
        raise WorkloadSpecError(f"profile {profile_name!r} has no measured MJX point to start the search from")
    sweep = MjxSweep(spec, profile_name, profile, resolve_model(spec.workload.model), on_event, BasicPolicy())
    w = spec.workload
    step = num_envs_step(w.num_steps, None if w.minibatch_size is not None else w.num_minibatches)
    section = profile.section("mjx")
    lo = max(p.num_envs for p in section.ok_points)
    over = [p.num_envs for p in section.points if p.num_envs > lo and p.status in ("oom", "skipped")]
    hi = min(over) if over else None
    compiles = 0

    def probe(num_envs: int) -> bool:
        nonlocal compiles
        known = sweep.section.point(num_envs)
        if known is None or known.xla_bytes is None:
            compiles += 1
            result = sweep.compile_all([num_envs], 1).get(num_envs)
            point, _ = point_from(num_envs, w, result, None)
            sweep.record(point)
            known = point
        return known.status in ("compiled", "ok", "skipped") and fits(sweep.section, known.xla_bytes)

    return largest_fitting(lo, hi, step, probe, max_num_envs), compiles


def largest_fitting(lo: int, hi: int | None, step: int, fits: Callable[[int], bool], max_num_envs: int = 2**21) -> int:
    """Largest multiple of ``step`` known to fit, given ``lo`` fits and ``hi`` (if known) does not:
    double until something does not fit, then bisect geometrically to within 5% (or one step)."""
    while hi is None:
        if lo * 2 > max_num_envs:
            return lo
        if fits(lo * 2):
            lo *= 2
        else:
            hi = lo * 2
    while hi - lo > step and hi / lo > 1.05:
        mid = round(math.sqrt(lo * hi) / step) * step
        if mid <= lo or mid >= hi:
            break
        if fits(mid):
            lo = mid
        else:
            hi = mid
    return lo
