"""The gradient noise scale measured by the built-in PPO (policy and value apart), on the two-link
arm with a real JAX compile: finite estimates from minibatch gradients at the same parameters,
and the large batch's gradient is the minibatches' mean."""

import jax
import numpy as np
import pytest

from models.noise_scale import unbiased
from profiler.kinds.mjx.noise_probe import make_probe, measure_noise, probe_sizes
from profiler.kinds.mjx.points import gradient_noise
from profiler.kinds.mjx.workload import MjxEnv, PPOConfig, make_train
from tests.conftest import ARM

pytestmark = pytest.mark.slow


def test_policy_and_value_noise_scales_are_measured_apart():
    config = PPOConfig(num_envs=16, num_steps=8, num_minibatches=4, update_epochs=1, hidden_layers=(32, 32))
    env = MjxEnv.from_path(str(ARM))
    train = make_train(config, env)
    state = jax.jit(train.init)(jax.random.PRNGKey(0))
    state, _ = jax.jit(train.update)(state)
    state, flat = jax.jit(train.collect)(state)
    assert probe_sizes(config) == (32, 4)
    norms = jax.jit(make_probe(config, env))(state.params, flat, jax.random.PRNGKey(1))
    small_pi, big_pi = np.asarray(norms["policy_small"]), float(norms["policy_big"])
    assert small_pi.shape == (4,) and np.all(small_pi > 0)
    # the mean of four gradients has a squared norm at most their mean squared norm (Jensen)
    assert big_pi <= small_pi.mean() + 1e-9 and float(norms["value_big"]) <= np.asarray(norms["value_small"]).mean()
    found = measure_noise(config, env, state.params, flat, jax.random.PRNGKey(1))
    for head in ("policy", "value"):
        f = found[head]
        assert (f["b_small"], f["b_big"], f["measurements"]) == (32, 128, 4)
        assert np.isfinite(f["g2"]) and f["trace_sigma"] >= 0
    assert (found["policy"]["g2"], found["policy"]["trace_sigma"]) == pytest.approx(
        unbiased(float(small_pi.mean()), big_pi, 32, 128))
    stored = gradient_noise(found)
    assert stored.policy.b_small == 32 and stored.value.b_big == 128
    assert found["policy"]["trace_sigma"] != pytest.approx(found["value"]["trace_sigma"])
