import pytest

from advisor.errors import BadInput
from profiler.minibatch import check_minibatches, choose_num_minibatches, divisors


@pytest.mark.parametrize("num_envs,num_steps,expected", [
    (2048, 50, 32),   # the official conf: 2048*50/32 = 3200
    (4096, 50, 64),   # the write-up's choice: 3200 samples per minibatch, not 64
    (64, 50, 1),      # 3200 samples in one minibatch
    (1000, 50, 16),   # 50000/16 = 3125 beats 50000/15 = 3333 (ratio 0.977 vs 1.042)
    (16, 10, 1),      # smaller than the target: one minibatch
])
def test_choose_num_minibatches_hand_worked(num_envs, num_steps, expected):
    k = choose_num_minibatches(num_envs, num_steps)
    assert k == expected
    assert (num_envs * num_steps) % k == 0


def test_check_minibatches_names_the_nearest_divisor():
    assert check_minibatches(2048, 50, 32) == 3200
    with pytest.raises(BadInput, match="use 32") as info:
        check_minibatches(2048, 50, 30)
    assert "not divisible" in str(info.value)


def test_calibration_chooses_per_point_minibatches_by_the_same_rule():
    from profiler.kinds.mjx.schema import MjxWorkload
    from profiler.minibatch import nearest_num_minibatches

    fixed = MjxWorkload(num_minibatches=32)
    assert fixed.minibatches_at(64) == fixed.minibatches_at(65536) == 32
    sized = MjxWorkload(minibatch_size=3200)
    # 64 envs x 50 = 3200: one minibatch; 65536 x 50 / 1024 = 3200; 1000 x 50: 16 of 3125
    assert [sized.minibatches_at(n) for n in (64, 65536, 1000)] == [1, 1024, 16]
    assert all(nearest_num_minibatches(n, 50, 3200) == choose_num_minibatches(n, 50) for n in (64, 300, 1000, 4096))


def test_divisors():
    assert divisors(12) == [1, 2, 3, 4, 6, 12]
    assert divisors(1) == [1]
