"""``advisor race --preset`` with a bare trainer command: the same command line that ``calibrate
command --preset`` takes, completed with the trainer's own flags (num_envs, step budget, seed)."""

import subprocess
import sys

from advisor.kinds.command.race import race_spec
from advisor.workload import RaceRequest
from profiler.trainers import trainer

ZOO = ["python", "-m", "rl_zoo3.train", "--algo", "ppo", "--env", "CartPole-v1"]


def request(**changes):
    values = dict(score=150.0, budget_s=60.0, num_envs=(2, 4), seeds=2, current=None, preset="sb3", score_regex=None,
                  step_regex=None, window=None, total_timesteps=10**6, num_steps=None, timeout_s=None, env={})
    return RaceRequest(**{**values, **changes})


def test_a_bare_zoo_command_gets_the_presets_flags_and_a_seed():
    spec, _ = race_spec(None, ZOO, request(), "cpu")
    assert spec.argv == (*ZOO, "--hyperparams", "n_envs:{num_envs}", "-n", "{total_timesteps}", "--seed", "{seed}")
    # the same command line calibrate command --preset sb3 completes, less the seed
    assert spec.argv[:-2] == trainer("sb3").command(list(ZOO), None, None).argv


def test_cleanrl_gets_its_rollout_length_from_num_steps_and_a_command_with_placeholders_is_kept():
    spec, _ = race_spec(None, ["python", "ppo.py", "--env-id", "CartPole-v1"], request(preset="cleanrl", num_steps=64),
                        "cpu")
    assert spec.argv[-8:] == ("--num-envs", "{num_envs}", "--total-timesteps", "{total_timesteps}", "--num-steps",
                              "{num_steps}", "--seed", "{seed}") and spec.num_steps == 64
    own = ["python", "train.py", "--num-envs", "{num_envs}", "--seed", "{seed}", "--steps", "{total_timesteps}"]
    spec, _ = race_spec(None, own, request(), "cpu")
    assert list(spec.argv) == own


def test_the_seed_flags_are_the_programs_own():
    zoo = subprocess.run([sys.executable, "-m", "rl_zoo3.train", "--help"], capture_output=True, text=True, timeout=120)
    assert zoo.returncode == 0 and "--seed SEED" in zoo.stdout
    from profiler.trainers import cleanrl, playground

    assert "seed" in cleanrl.ARGS and "seed" in playground.FLAGS
