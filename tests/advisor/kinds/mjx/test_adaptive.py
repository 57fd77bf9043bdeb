import math

from advisor.kinds.mjx.adaptive import ModelPolicy, valid_step
from profiler.kinds.mjx.schema import MjxPoint, MjxSection, MjxWorkload
from profiler.profile import Accelerator

GIB = 2**30


def section(grid, noise=(), capacity=8 * GIB, xla_per_env=1e5, num_steps=50, num_minibatches=32):
    points = []
    for i, n in enumerate(grid):
        sps = n * num_steps / (0.3 + 0.0005 * n) * (noise[i] if noise else 1.0)
        xla = int(1e7 + xla_per_env * n)
        points.append(MjxPoint(num_envs=n, num_steps=num_steps, num_minibatches=num_minibatches, train_sps=sps,
                               train_sps_samples=(sps * 0.99, sps * 1.01), peak_bytes=int(3e8 + 1.05 * xla), xla_bytes=xla))
    return MjxSection(workload=MjxWorkload(num_steps=num_steps, num_minibatches=num_minibatches),
                      accelerator=Accelerator("gpu", "G", capacity), memory_source="jax_allocator_peak",
                      points=tuple(points))


def test_skip_uses_xla_calibrated_prediction_and_the_memory_limit():
    s = section([64, 256, 1024, 4096])
    policy = ModelPolicy()
    # peak = 3e8 + 1.05 * xla: 5 GiB of XLA buffers need ~5.5 GiB (+ margin): 8 GiB fits, so not skipped
    assert policy.skip_reason(s, 65536, 5 * GIB) is None
    reason = policy.skip_reason(s, 131072, int(7.8 * GIB))
    assert reason and "exceeds" in reason
    assert ModelPolicy(memory_limit_bytes=2 * GIB).skip_reason(s, 65536, 2 * GIB) is not None


def test_next_point_fills_the_gap_with_a_divisible_num_envs():
    # neighbours closer than 1.5x are left alone: only 80 -> 4096 is a gap worth a point
    noisy = section([64, 72, 80, 4096], noise=(1.0, 1.05, 0.95, 1.0))
    n = ModelPolicy(target_halfwidth=0.0).next_point(noisy)
    step = valid_step(noisy)
    assert step == 16  # 32 minibatches, 50 steps: num_envs must be a multiple of 32 / gcd(50, 32)
    assert n == round(math.sqrt(80 * 4096) / step) * step == 576
    assert (n * 50) % 32 == 0


def test_next_point_stops_when_intervals_are_tight_or_data_is_thin():
    exact = section([64, 256, 1024, 4096])
    assert ModelPolicy(target_halfwidth=0.5).next_point(exact) is None
    assert ModelPolicy().next_point(section([64, 256])) is None
