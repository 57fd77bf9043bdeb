"""What a Playground user does, in the environment advisor installs: a real (tiny) ``calibrate brax
--quick`` on CPU through the CLI, ``recommend --kind brax --json``, then the emitted ppo_params in
Brax's own ``ppo.train`` as released (nothing of advisor's imported, no jax function replaced) for
one short epoch."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from profiler.kinds.brax.rules import env_steps_per_update, shape_error
from tests.conftest import ROOT, run_cli

pytest.importorskip("brax")
pytest.importorskip("mujoco_playground")

pytestmark = pytest.mark.slow

SHAPE = ["--batch-size", "16", "--num-minibatches", "2", "--unroll-length", "5", "--num-updates-per-batch", "1"]

# A user's script: the recommendation's Python (Playground's brax_ppo_config for the env, updated with advisor's
# overrides), then Brax's ppo.train with Playground's wrapper, one epoch of one training step. It imports nothing
# of advisor's; the calibration's persistent compilation cache is named by JAX's own variables, so the programs
# the point at the recommended num_envs compiled are loaded, not compiled again.
ONE_EPOCH = """
import json, sys
emitted = json.loads(sys.argv[1])
namespace = {}
exec(emitted["python"], namespace)
ppo_params = namespace["ppo_params"]
import jax
from brax.training.agents.ppo import train as ppo
from mujoco_playground import registry, wrapper
p = emitted["params"]
ppo_params.update(num_timesteps=p["batch_size"] * p["num_minibatches"] * p["unroll_length"], num_evals=1,
                  num_resets_per_eval=0)
steps = []
env = registry.load("CartpoleBalance", config_overrides={"impl": "jax"})
ppo.train(environment=env, wrap_env_fn=wrapper.wrap_for_brax_training, run_evals=False,
          progress_fn=lambda step, metrics: steps.append(int(step)), **ppo_params)
print(json.dumps({"steps": steps, "jax": jax.__version__, "advisor_imported": any(
    m.split(".")[0] in ("advisor", "profiler", "models") for m in sys.modules)}))
"""


def test_quick_calibration_recommendation_and_one_unpatched_epoch_of_its_params(advisor_home, jax_cache):
    proc = run_cli("calibrate", "brax", "--env", "CartpoleBalance", "--name", "tiny", "--quick", "--num-envs", "8,16",
                   *SHAPE, "--shapes", "", "--json", timeout=1500)
    assert proc.returncode == 0, proc.stderr[-3000:]
    section = json.loads(proc.stdout)["brax"]
    points = section["points"]
    assert [p["num_envs"] for p in points] == [8, 16] and all(p["status"] == "ok" for p in points)
    for p in points:
        assert p["train_sps"] > 0 and len(p["train_sps_samples"]) == 2
        # brax 0.14.2 on a released jax compiles in the first two epochs; neither is timed, both are accounted
        assert p["compiled_epochs"] == 2 and p["first_epoch_s"] > p["epoch_s"] > 0 and p["recompile_s"] > 0
        assert p["peak_bytes"] > 100 * 2**20 and p["compile_s"] > 0
    assert section["device_count"] == 1 and section["workload"]["ppo_defaults"]["num_minibatches"] == 32
    assert section["workload"]["family"] == "dm_control_suite"
    assert section["workload"]["num_updates_per_batch"] == 1 and "training/walltime" in section["method"]

    rec = run_cli("recommend", "--kind", "brax", "--profile", "tiny", "--target", "20k", *SHAPE, "--json")
    assert rec.returncode == 0, rec.stderr
    data = json.loads(rec.stdout)
    params = data["params"]
    assert params["batch_size"] == 16 and params["num_minibatches"] == 2 and params["unroll_length"] == 5
    assert shape_error(params["num_envs"], params["batch_size"], params["num_minibatches"], 1) is None
    assert data["train_sps_low"] < data["train_sps"] < data["train_sps_high"]
    assert data["total_env_steps"] >= 20_000 and data["total_env_steps"] % env_steps_per_update(16, 5, 2) == 0
    assert data["train_jax_ppo"]["args"][:2] == ["--env_name=CartpoleBalance", "--impl=jax"]

    env = {k: v for k, v in os.environ.items() if not k.startswith("ADVISOR")}
    env.update(JAX_PLATFORMS="cpu", JAX_COMPILATION_CACHE_DIR=str(jax_cache), XLA_PYTHON_CLIENT_PREALLOCATE="false")
    run = subprocess.run([sys.executable, "-c", ONE_EPOCH, json.dumps(data)], capture_output=True, text=True,
                         timeout=900, cwd=ROOT / "tests" / "data", env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    trained = json.loads(run.stdout.strip().splitlines()[-1])
    assert trained["steps"] == [env_steps_per_update(16, 5, 2)] and not trained["advisor_imported"]
    assert trained["jax"] == section["versions"]["jax"]

    # the race of the calibrated workload: no command, --kind brax; every run's first evaluation (before
    # training, global_step=0) reads at least -1e9, so each reaches the score at 0 env steps, after
    # start-up and the evaluation's compile; the shape fixes env steps per update whatever num_envs
    raced = run_cli("race", "--kind", "brax", "--name", "tiny", "--score", "-1e9", "--budget", "600s", "--num-envs",
                    "8,16", "--seeds", "1", "--total-timesteps", "100k", "--json", timeout=1200)
    assert raced.returncode == 0, raced.stderr[-3000:]
    result = json.loads(raced.stdout)
    assert result["kind"] == "brax" and result["winner"] is not None
    for config in result["configs"]:
        assert config["env_steps_per_update"] == env_steps_per_update(16, 5, 2)
        (run,) = config["runs"]
        assert run["status"] == "reached" and run["env_steps_to_score"] == 0 and run["time_to_score_s"] > 1
    refused = run_cli("recommend", "--kind", "brax", "--profile", "tiny", "--objective", "time-to-score", "--score",
                      "-1e9")
    assert refused.returncode == 2 and "before training" in refused.stderr


def test_race_params_keep_playgrounds_evaluation_spacing():
    import argparse

    from profiler.kinds.brax.race_child import eval_spacing, race_params

    defaults = {"num_timesteps": 60_000_000, "num_evals": 10, "num_envs": 2048, "batch_size": 1024,
                "network_factory": {"policy_hidden_layer_sizes": [32]}, "num_eval_envs": 128}
    assert eval_spacing(defaults) == pytest.approx(6_666_666.7)  # 60M over 9 eval periods
    args = argparse.Namespace(num_envs=256, total_timesteps=20_000_000, batch_size=None, num_minibatches=8,
                              unroll_length=None, num_updates_per_batch=None)
    params = race_params(args, defaults)
    assert params["num_evals"] == 4 and params["num_timesteps"] == 20_000_000  # 3 periods of ~6.7M, and step 0
    assert (params["num_envs"], params["batch_size"], params["num_minibatches"]) == (256, 1024, 8)
    assert "network_factory" not in params and "num_eval_envs" not in params
