"""A real tiny Brax PPO calibration on CPU through the CLI, the recommended ppo_params accepted by
``brax.training.agents.ppo.train`` for one epoch, and a locomotion env refused in one line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from profiler.kinds.brax.rules import env_steps_per_update, shape_error
from tests.conftest import ROOT, one_line_error, run_cli

pytest.importorskip("brax")
pytest.importorskip("mujoco_playground")

pytestmark = pytest.mark.slow

SHAPE = ["--batch-size", "16", "--num-minibatches", "2", "--unroll-length", "5", "--num-updates-per-batch", "1"]

# the calibration's cache and JAX settings (profiler.kinds.mjx.point.configure_jax_environment),
# so the programs the point at the recommended num_envs compiled are loaded, not compiled again
ONE_EPOCH = """
import json, os, sys
from profiler.kinds.mjx.point import configure_jax_environment
configure_jax_environment(os.environ["ADVISOR_JAX_CACHE"], "cpu")
from profiler.kinds.brax import shim
shim.install()
from brax.training.agents.ppo import train as ppo
from mujoco_playground import registry, wrapper
from mujoco_playground.config import dm_control_suite_params
overrides = json.loads(sys.argv[1])
config = registry.get_default_config("CartpoleBalance")
config.impl = "jax"
ppo_params = dm_control_suite_params.brax_ppo_config("CartpoleBalance")
ppo_params.update(overrides)
steps = []
ppo_params.update(num_timesteps=overrides["batch_size"] * overrides["num_minibatches"] * overrides["unroll_length"],
                  num_evals=1, num_resets_per_eval=0)
ppo.train(environment=registry.load("CartpoleBalance", config=config), wrap_env_fn=wrapper.wrap_for_brax_training,
          run_evals=False, progress_fn=lambda step, metrics: steps.append(int(step)), **ppo_params)
print(json.dumps({"steps": steps}))
"""


def test_tiny_calibration_recommendation_and_one_epoch_of_its_params(advisor_home):
    proc = run_cli("calibrate", "brax", "--env", "CartpoleBalance", "--name", "tiny", "--num-envs", "8,16", *SHAPE,
                   "--shapes", "", "--no-eval", "--json", timeout=1500)
    assert proc.returncode == 0, proc.stderr[-3000:]
    section = json.loads(proc.stdout)["brax"]
    points = section["points"]
    assert [p["num_envs"] for p in points] == [8, 16] and all(p["status"] == "ok" for p in points)
    for p in points:
        assert p["train_sps"] > 0 and len(p["train_sps_samples"]) == 2
        assert p["first_epoch_s"] > p["epoch_s"] > 0  # the first epoch compiled
        assert p["peak_bytes"] > 100 * 2**20 and p["compile_s"] > 0
    assert section["device_count"] == 1 and section["workload"]["ppo_defaults"]["num_minibatches"] == 32
    assert section["workload"]["num_updates_per_batch"] == 1 and "training/walltime" in section["method"]

    rec = run_cli("recommend", "--kind", "brax", "--profile", "tiny", "--target", "20k", *SHAPE, "--json")
    assert rec.returncode == 0, rec.stderr
    data = json.loads(rec.stdout)
    params = data["params"]
    assert params["batch_size"] == 16 and params["num_minibatches"] == 2 and params["unroll_length"] == 5
    assert shape_error(params["num_envs"], params["batch_size"], params["num_minibatches"], 1) is None
    assert data["train_sps_low"] < data["train_sps"] < data["train_sps_high"]
    assert data["total_env_steps"] >= 20_000 and data["total_env_steps"] % env_steps_per_update(16, 5, 2) == 0

    run = subprocess.run([sys.executable, "-c", ONE_EPOCH, json.dumps(params)], capture_output=True, text=True,
                         timeout=900, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout.strip().splitlines()[-1])["steps"] == [env_steps_per_update(16, 5, 2)]


def test_locomotion_env_is_refused_in_one_line():
    line = one_line_error(run_cli("calibrate", "brax", "--env", "Go1JoystickFlatTerrain", "--name", "loco",
                                  "--quick", timeout=600))
    assert "locomotion" in line and "internet" in line and "CartpoleBalance" in line
