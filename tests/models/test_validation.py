import numpy as np

from models.validation import validate_vectorised
from profiler.kinds.mjx.schema import MjxPoint, MjxSection, MjxWorkload
from profiler.profile import Accelerator


def section(noise=None):
    grid = [64, 256, 1024, 4096, 16384, 65536, 131072]
    rng = np.random.default_rng(3)
    points = []
    for n in grid:
        sps = n * 50 / (0.3 + 0.0005 * n) * (1 + (rng.normal(0, noise) if noise else 0))
        points.append(MjxPoint(num_envs=n, train_sps=sps, train_sps_samples=(sps,), peak_bytes=int(2e8 + 1e5 * n),
                               xla_bytes=int(1e5 * n + 1e6)))
    return MjxSection(workload=MjxWorkload(), accelerator=Accelerator("gpu", "G", 80 * 2**30),
                      memory_source="jax_allocator_peak", points=tuple(points))


def test_exact_curves_validate_exactly():
    curves = {c.curve: c for c in validate_vectorised(section())}
    assert set(curves) == {"train_sps", "peak_bytes", "peak_from_xla", "peak_along_envs"}
    sps = curves["train_sps"]
    assert sps.form == "linear" and len(sps.rows) == 7
    assert sps.worst_abs_error < 1e-6 and [r.interior for r in sps.rows] == [False] + [True] * 5 + [False]
    for name in ("peak_bytes", "peak_from_xla", "peak_along_envs"):
        assert curves[name].worst_abs_error < 1e-6
        assert curves[name].bound_held and curves[name].bound_coverage == 1.0
        assert curves[name].largest_overshoot(4096) <= 0.10
        assert all(r.upper_ratio <= 1.10 for r in curves[name].rows if r.num_envs >= 4096)


def test_noisy_throughput_errors_are_reported_per_point():
    sps = validate_vectorised(section(noise=0.03))[0]
    assert 0 < sps.median_abs_error < 0.1
    for r in sps.rows:
        assert abs(r.predicted / r.measured - 1 - r.error) < 1e-12
