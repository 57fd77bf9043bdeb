"""The MJX PPO workload itself: a real JAX compile and run on CPU at tiny sizes."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from profiler.kinds.mjx.workload import MjxEnv, PPOConfig, make_train
from tests.conftest import ARM, ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env():
    # the two-link arm: PPO's logic is what these tests check, and every jit of it traces MJX's
    # step, which for half_cheetah (contacts) takes 9-15 s on this CPU; test_physics.py runs
    # half_cheetah itself
    return MjxEnv.from_path(ARM, horizon=5)


def test_config_follows_locomujoco_arithmetic():
    config = PPOConfig(num_envs=4096, num_minibatches=64, total_timesteps=100_000_000)
    assert config.batch_size == 204_800 and config.minibatch_size == 3200
    assert config.num_updates == 100_000_000 // 50 // 4096 == 488
    with pytest.raises(ValueError, match="not divisible"):
        PPOConfig(num_envs=100, num_steps=50, num_minibatches=3)


def test_training_iteration_compiles_runs_and_learns_shapes(env):
    config = PPOConfig(num_envs=4, num_steps=8, num_minibatches=2, update_epochs=2, hidden_layers=(16, 16))
    train = make_train(config, env)
    state = jax.jit(train.init)(jax.random.PRNGKey(0))
    assert state.env_state.obs.shape == (4, env.obs_size)
    update = jax.jit(train.update)
    before = jax.tree.leaves(state.params)
    state, metrics = update(state)
    state, metrics = update(state)  # 16 steps > horizon 5: auto-reset has happened
    after = jax.tree.leaves(state.params)
    assert any(not np.allclose(a, b) for a, b in zip(before, after)), "PPO update changed no parameter"
    assert all(np.isfinite(float(v)) for v in metrics.values())
    assert int(jnp.max(state.env_state.t)) < 5
    assert float(state.obs_stats.count) > 4 * 16  # normalisation statistics saw every step


def test_full_train_scan_runs_num_updates(env):
    config = PPOConfig(num_envs=2, num_steps=4, num_minibatches=1, update_epochs=1, hidden_layers=(8,),
                       total_timesteps=24)
    assert config.num_updates == 3
    _state, metrics = jax.jit(make_train(config, env).train)(jax.random.PRNGKey(0))
    assert metrics["mean_reward"].shape == (3,)


def test_update_is_learn_after_collect_and_the_phases_run_apart(env):
    config = PPOConfig(num_envs=4, num_steps=4, num_minibatches=2, update_epochs=1, hidden_layers=(8,))
    train = make_train(config, env)
    state = jax.jit(train.init)(jax.random.PRNGKey(1))
    fused, _ = jax.jit(train.update)(state)
    collected, batch = jax.jit(train.collect)(state)
    assert batch[0].obs.shape == (16, env.obs_size) and batch[1].shape == (16,)  # flat over envs x steps
    phased, metrics = jax.jit(train.learn)(collected, batch)
    for a, b in zip(jax.tree.leaves(fused.params), jax.tree.leaves(phased.params)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert np.isfinite(float(metrics["policy_loss"]))


def test_a_measuring_childs_setup_keeps_warp_out_and_mjx_still_steps():
    # MJX's JAX implementation is what the workload runs; the child never loads Warp
    import subprocess
    import sys

    code = ("from profiler.kinds.mjx.point import setup; setup({'platform': 'cpu'}); import sys; "
            "import mujoco, numpy as np; from mujoco import mjx; "
            "m = mujoco.MjModel.from_xml_string('<mujoco><worldbody><body><freejoint/><geom size=\"0.1\"/></body>"
            "</worldbody></mujoco>'); d = mjx.step(mjx.put_model(m, impl='jax'), mjx.put_data(m, mujoco.MjData(m), "
            "impl='jax')); print('warp' in sys.modules and sys.modules['warp'] is None, "
            "any(k.startswith('mujoco.mjx.third_party.mujoco_warp._src.') for k in sys.modules), "
            "bool(np.isfinite(np.asarray(d.qpos)).all()))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "True False True"
