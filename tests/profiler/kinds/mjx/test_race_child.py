"""The MJX race child's episode bookkeeping on a hand-worked rollout, and its command line."""

import numpy as np
import pytest

from profiler.kinds.mjx.race_child import episode_returns, num_minibatches, parse_args


def test_returns_of_episodes_that_end_are_summed_and_the_rest_carry_on():
    # 3 steps x 2 envs, flattened over steps then envs as the rollout's batch is: env 0 ends at
    # step 1 (1 + 2 = 3, after the 5 it carried in), env 1 at step 2 (10 + 20 + 30 = 60)
    reward = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0]], dtype=np.float32).reshape(-1)
    done = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32).reshape(-1)
    running, ended, count = episode_returns(np.array([5.0, 0.0], np.float32), reward, done, 3, 2)
    assert np.allclose(np.asarray(running), [3.0, 0.0])  # env 0 started again at step 2
    assert float(ended) == pytest.approx(8.0 + 60.0) and int(count) == 2


def test_minibatches_follow_the_rule_recommend_emits():
    args = parse_args(["--model", "humanoid", "--num-envs", "16", "--total-timesteps", "1000", "--num-steps", "10",
                       "--minibatch-size", "40"])
    assert num_minibatches(args) == 4  # 160 samples in minibatches of 40
    args = parse_args(["--model", "humanoid", "--num-envs", "16", "--total-timesteps", "1000", "--num-minibatches", "8"])
    assert num_minibatches(args) == 8
    with pytest.raises(SystemExit):
        parse_args(["--model", "humanoid", "--num-envs", "0", "--total-timesteps", "1000"])
