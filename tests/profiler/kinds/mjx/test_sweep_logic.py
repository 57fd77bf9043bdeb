"""The sweep's decisions without processes: bisection, skipping, what is left to measure."""

from profiler.kinds.mjx.memory_search import largest_fitting
from profiler.kinds.mjx.schema import MjxPoint, MjxSection, MjxWorkload
from profiler.kinds.mjx.sweep import BasicPolicy
from profiler.profile import Accelerator


def test_largest_fitting_doubles_then_bisects_to_five_percent():
    probes = []

    def fits(n):
        probes.append(n)
        return n <= 10_000

    best = largest_fitting(64, None, 4, fits)
    assert best <= 10_000 and best >= 10_000 / 1.05 and best % 4 == 0
    assert probes[:7] == [128, 256, 512, 1024, 2048, 4096, 8192]  # doubling until 16384 fails
    assert 16384 in probes
    assert len(probes) < 15


def test_largest_fitting_stops_at_the_cap_and_respects_a_known_upper_end():
    assert largest_fitting(64, None, 1, lambda n: True, max_num_envs=1000) == 512
    assert largest_fitting(64, 100, 1, lambda n: n < 90) in range(84, 90)


def section(points, capacity=8 * 2**30, grid=(64, 128, 256, 512)):
    return MjxSection(workload=MjxWorkload(), accelerator=Accelerator("gpu", "G", capacity), points=tuple(points),
                      sweep_settings={"num_envs": list(grid)})


def test_basic_policy_skips_only_when_xla_buffers_exceed_the_device():
    s = section([])
    assert BasicPolicy().skip_reason(s, 1024, 9 * 2**30) is not None
    assert BasicPolicy().skip_reason(s, 1024, 7 * 2**30) is None
    assert BasicPolicy().skip_reason(s, 1024, None) is None
    assert BasicPolicy().next_point(s) is None


def test_unfinished_counts_interrupted_compiled_and_missing_points_below_a_boundary():
    ok = MjxPoint(num_envs=64, train_sps=1.0)
    assert len(section([ok]).unfinished_keys()) == 3
    assert len(section([ok, MjxPoint(num_envs=128, status="interrupted")]).unfinished_keys()) == 3
    assert len(section([ok, MjxPoint(num_envs=128, status="oom")]).unfinished_keys()) == 0  # 256, 512 are past the boundary
    done = [MjxPoint(num_envs=n, train_sps=1.0) for n in (64, 128, 256)] + [MjxPoint(num_envs=512, status="timeout")]
    assert len(section(done).unfinished_keys()) == 0
