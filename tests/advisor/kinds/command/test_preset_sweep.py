"""A preset end to end on a real published trainer: rl_zoo3's PPO on CartPole-v1 calibrated through
``--preset sb3``. Each run's steps come from the zoo's own table (it rounds the budget up to whole
rollouts), the program's own steady figure is recorded beside advisor's, each longer run adds the
zoo's evaluations (every 500 env steps here) as due, and ``recommend`` prints the zoo's command line."""

from __future__ import annotations

import json
import sys

import pytest

from profiler.kinds.command.sweep import holds_due
from tests.conftest import run_cli

pytestmark = pytest.mark.slow


def test_the_sb3_preset_calibrates_rl_zoo3_and_recommends_its_own_command_line(tmp_path):
    env = {"ADVISOR_HOME": str(tmp_path / "home"), "COLUMNS": "250", "OMP_NUM_THREADS": "1"}
    zoo = [sys.executable, "-m", "rl_zoo3.train", "--algo", "ppo", "--env", "CartPole-v1", "--log-folder",
           str(tmp_path / "logs"), "--eval-freq", "500"]
    proc = run_cli("calibrate", "command", "--name", "zoo", "--preset", "sb3", "--num-envs", "2,4",
                   "--first-timesteps", "600", "--delta", "3s", "--repeats", "1", "--", *zoo, env=env,
                   timeout=1500)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "the program's own figure" in proc.stderr
    section = json.loads(run_cli("profile", "show", "zoo", "--json", env=env).stdout)["command"]
    assert section["workload"]["preset"] == "sb3" and section["workload"]["iteration"] == "reported"
    for point in section["points"]:
        assert point["status"] == "ok" and point["steps_basis"] == "reported", point["error"]
        n = point["num_envs"]
        for run in point["runs"]:
            # the zoo's CartPole PPO collects 32 steps per env per rollout and rounds the budget up
            assert run["steps_run"] >= run["total_timesteps"] and run["steps_run"] % (n * 32) == 0
        assert point["program_sps"] > 0 and len(point["train_sps_samples"]) == 1
        # the runs the figure rests on: the short ones and the longer one at its final length, which
        # holds the evaluations due over its extra steps, or the point says why none could
        final = max(r["total_timesteps"] for r in point["runs"] if r["role"] == "long")
        short = next(r["steps_run"] for r in point["runs"] if r["role"] == "short")
        ran = next(r["steps_run"] for r in point["runs"] if r["role"] == "long" and r["total_timesteps"] == final)
        assert (holds_due(short, ran, 500)
                or "no longer run within reach" in point["iteration_note"]), point
        note = point["iteration_note"] or ""
        if "taken again" in note:  # the longer run it first took added too many or too few
            assert f"taken again at {ran:,}" in note and "evaluates every 500 env steps" in note
    rec = json.loads(run_cli("recommend", "--kind", "command", "--profile", "zoo", "--target", "100k", "--json",
                             env=env).stdout)
    chosen = rec["chosen"]
    assert rec["argv"][:len(zoo)] == zoo
    assert rec["argv"][len(zoo):] == ["--hyperparams", f"n_envs:{chosen['num_envs']}", "-n",
                                      str(chosen["total_timesteps"])]
    assert not any("XLA" in note for note in rec["notes"])  # a torch program: no note about XLA's bytes
    assert any("ran torch (no JAX)" in note for note in rec["notes"])
