"""The published trainers' presets against the real programs: each preset's command line parsed by
the program's own argument parser (rl_zoo3 trains for real; CleanRL's flags through tyro, against
its script where a copy is present; Playground's through its absl flag definitions), and each
output reader on the real program's output."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from profiler.errors import BadInput
from profiler.kinds.command.placeholders import substitute
from profiler.trainers import cleanrl, playground, trainer
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
#: A copy of CleanRL's ``ppo_continuous_action.py`` (vwxyzjn/cleanrl; the gymnasium 1.x version of
#: pull request 516), for the tests that need the script itself: CleanRL is not on PyPI in a form
#: that runs on Python 3.11, so the suite finds it here when someone put it there.
CLEANRL_SCRIPT = Path(os.environ.get("ADVISOR_CLEANRL_SCRIPT", "/tmp/cleanrl/ppo_continuous_action.py"))


def filled(argv, **values):
    return substitute(list(argv), {k: int(v) for k, v in values.items()})


def args_dataclass(record: dict) -> type:
    """A dataclass with the recorded fields of CleanRL's ``Args`` (tyro builds its parser from it)."""
    return dataclasses.make_dataclass("Args", [(name, kind, dataclasses.field(default=kind() if kind is not str else ""))
                                               for name, kind in record.items()])


def test_the_cleanrl_preset_emits_flags_tyro_parses_into_cleanrls_args():
    import tyro

    built = trainer("cleanrl").command(["python", "ppo_continuous_action.py", "--env-id", "HalfCheetah-v5"], None, None)
    assert built.num_steps == 2048 and built.rounding == "floor"  # the script's own default rollout
    argv = filled(built.argv, num_envs=8, total_timesteps=1_000_000)
    args = tyro.cli(args_dataclass(cleanrl.ARGS), args=argv[2:])
    assert (args.num_envs, args.total_timesteps, args.env_id) == (8, 1_000_000, "HalfCheetah-v5")
    hinted = trainer("cleanrl").command(["python", "ppo.py"], 64, None)
    args = tyro.cli(args_dataclass(cleanrl.ARGS), args=filled(hinted.argv, num_envs=4, total_timesteps=512,
                                                              num_steps=64)[2:])
    assert (args.num_steps, hinted.num_steps) == (64, 64)
    own = trainer("cleanrl").command(["python", "ppo.py", "--num-steps=256"], None, None)
    assert own.num_steps == 256 and "{num_steps}" not in own.argv  # the user's own flag stays as written
    with pytest.raises(BadInput, match="sets --num-envs itself"):
        trainer("cleanrl").command(["python", "ppo.py", "--num-envs", "4"], None, None)


@pytest.mark.skipif(not CLEANRL_SCRIPT.exists(), reason=f"no copy of CleanRL's ppo_continuous_action.py at "
                    f"{CLEANRL_SCRIPT} (set ADVISOR_CLEANRL_SCRIPT; CleanRL is not installable from PyPI on 3.11)")
def test_the_cleanrl_record_and_flags_match_the_script_itself():
    code = f"""
import dataclasses, json, sys, tyro
sys.argv = [{str(CLEANRL_SCRIPT)!r}]
import importlib.util
spec = importlib.util.spec_from_file_location("ppo_continuous_action", {str(CLEANRL_SCRIPT)!r})
module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)
args = tyro.cli(module.Args, args=json.loads(sys.stdin.read()))
print(json.dumps({{"fields": [f.name for f in dataclasses.fields(module.Args)],
                   "values": [args.num_envs, args.num_steps, args.total_timesteps]}}))
"""
    built = trainer("cleanrl").command(["python", str(CLEANRL_SCRIPT), "--env-id", "HalfCheetah-v5"], 64, None)
    argv = filled(built.argv, num_envs=4, total_timesteps=4096, num_steps=64)
    proc = subprocess.run([sys.executable, "-c", code], input=json.dumps(argv[2:]), capture_output=True, text=True,
                          timeout=300, cwd=CLEANRL_SCRIPT.parent)
    assert proc.returncode == 0, proc.stderr[-2000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["fields"] == list(cleanrl.ARGS) and found["values"] == [4, 64, 4096]


def test_cleanrl_output_gives_steps_run_steady_rate_and_returns():
    # the real script's output: Pendulum-v1, 2 envs x 128 steps, 768 steps asked for (3 iterations)
    text = (DATA / "cleanrl_ppo_continuous_action_pendulum.out").read_text()
    t = trainer("cleanrl")
    values = {"num_envs": 2, "num_steps": 128, "total_timesteps": 768}
    assert t.steps_run(text, values) == 768
    # SPS 503, 487, 490 after 256, 512 and 768 steps: 512 steps in 768/490 - 256/503 seconds
    assert t.steady_sps(text, values) == pytest.approx(512 / (768 / 490 - 256 / 503))
    scores = t.scores(text)
    assert scores[:2] == [(400, pytest.approx(-975.7561005495376)), (400, pytest.approx(-1165.5083940903683))]
    assert all(step <= 768 for step, _ in scores)  # global_step never passes the steps the SPS lines count
    assert t.steps_run(text, {"num_envs": 2, "num_steps": 0}) is None  # an unknown iteration counts nothing


@pytest.mark.slow
def test_the_sb3_preset_trains_through_rl_zoo3_and_its_table_gives_the_steps(tmp_path):
    built = trainer("rl-zoo3").command([sys.executable, "-m", "rl_zoo3.train", "--algo", "ppo", "--env", "CartPole-v1",
                                        "--log-folder", str(tmp_path / "logs"), "--hyperparams", "normalize:False"],
                                       None, None)
    assert built.num_steps is None and built.rounding == "ceil"
    argv = filled(built.argv, num_envs=2, total_timesteps=600)
    assert argv[argv.index("--hyperparams") + 1:argv.index("--hyperparams") + 3] == ["normalize:False", "n_envs:2"]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=tmp_path,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "Using 2 environments" in proc.stdout and "Overwriting n_timesteps with n=600" in proc.stdout
    t = trainer("sb3")
    # the zoo's CartPole-v1 PPO collects 32 steps per env per rollout: whole rollouts until at least 600 steps
    assert t.steps_run(proc.stdout, {}) == math.ceil(600 / 64) * 64
    assert t.steady_sps(proc.stdout, {}) > 0
    # a score on every table from the first finished episode on (the zoo seeds at random: the first
    # rollout of 32 steps per env may end no episode, and then its table has no ep_rew_mean)
    steps = [s for s, _ in t.scores(proc.stdout)]
    assert steps == list(range(steps[0], 641, 64)) and steps[0] in (64, 128, 192)
    with pytest.raises(BadInput, match="sets n_envs itself"):
        t.command(["rl_zoo3", "train", "--hyperparams", "n_envs:4"], None, None)
    with pytest.raises(BadInput, match="drop --log-interval 10"):
        t.command(["rl_zoo3", "train", "--log-interval", "10"], None, None)


def test_sb3_table_steady_rate_reads_fps_as_a_cumulative_average():
    rows = [(2048, 1000), (4096, 1200), (6144, 1300)]  # total_timesteps, fps since learn() started
    text = "\n".join(f"---\n| time/ | |\n|    fps             | {fps}     |\n|    total_timesteps | {ts}     |\n---"
                     for ts, fps in rows)
    # logged at 2.048 s and 4.7262 s: 4096 steps in between
    assert trainer("sb3").steady_sps(text, {}) == pytest.approx(4096 / (6144 / 1300 - 2048 / 1000))
    assert trainer("sb3").steps_run(text, {}) == 6144


def zoo_output(iteration: int, rate: float, period: int, cost_s: float, tables: int) -> str:
    """rl_zoo3's output for a run training at ``rate`` env steps/s that evaluates every ``period`` env
    steps for ``cost_s`` seconds: its tables (cumulative ``fps``, as integers) and its Eval lines."""
    out, seconds, due = [], 0.0, period
    for k in range(1, tables + 1):
        steps = k * iteration
        seconds += iteration / rate
        while due <= steps:  # an evaluation inside this rollout, logged before its table
            out.append(f"Eval num_timesteps={due}, episode_reward=-12.34 +/- 5.67")
            seconds += cost_s
            due += period
        out.append(f"---\n| time/              |          |\n|    fps             | {int(steps / seconds)}     |\n"
                   f"|    total_timesteps | {steps}     |\n---")
    return "\n".join(out)


@pytest.mark.parametrize("iteration,tables", [(2048, 32), (2048, 45), (4096, 17), (16384, 9), (512, 400), (256, 4000)])
def test_sb3_steady_rate_holds_the_evaluations_due(iteration, tables):
    """A run's own figure counts its evaluations as a long run does: one every 25,000 env steps, at 5 s each
    over 20 s of training, is 1,000 env steps/s in the long run, whatever the run's length; the rate
    between its first and last table is not, where they hold more or fewer than are due."""
    text = zoo_output(iteration, 1250.0, 25_000, 5.0, tables)
    t = trainer("sb3")
    assert t.iteration_seen(text) == iteration and t.evaluations(text)[:2] == [25_000, 50_000]
    assert t.steady_sps(text, {}) == pytest.approx(1000.0, rel=0.012)
    without = "\n".join(line for line in text.splitlines() if not line.startswith("Eval"))
    times = t.report_times(text, {})
    assert t.steady_sps(without, {}) == pytest.approx((times[-1][0] - times[0][0]) / (times[-1][1] - times[0][1]))


def installed_playground_trainer() -> Path | None:
    spec = importlib.util.find_spec("learning")
    path = Path(spec.submodule_search_locations[0]) / "train_jax_ppo.py" if spec and spec.submodule_search_locations else None
    return path if path is not None and path.exists() else None


@pytest.mark.slow
@pytest.mark.skipif(installed_playground_trainer() is None, reason="Playground (the brax extra) is not installed")
def test_the_brax_train_preset_is_parsed_by_train_jax_ppos_own_flags():
    built = trainer("brax-train").command([playground.COMMAND, "--env_name=CartpoleBalance", "--impl=jax"], None, None)
    args = filled(built.argv, num_envs=256, total_timesteps=2_000_000)[1:]
    code = """
import json, sys
from absl import flags
import learning.train_jax_ppo as trainer
args = json.loads(sys.argv[1])
flags.FLAGS([trainer.__file__, *args])
print(json.dumps({"values": {n: flags.FLAGS[n].value for n in ("env_name", "num_envs", "num_timesteps")},
                  "flags": sorted(f.name for f in flags.FLAGS.get_flags_for_module(trainer))}))
"""
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(args)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "JAX_PLATFORMS": "cpu"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    assert found["values"] == {"env_name": "CartpoleBalance", "num_envs": 256, "num_timesteps": 2_000_000}
    assert found["flags"] == sorted(playground.FLAGS)  # the record is the script's own flags


def test_playground_progress_lines_give_the_steps_brax_trained():
    # train_jax_ppo.py's progress function prints f"{num_steps}: reward={...:.3f}" at each evaluation
    text = "0: reward=1.234\nsome log\n983040: reward=25.500\n1966080: reward=nan\n"
    t = trainer("brax-train")
    assert t.steps_run(text, {}) == 1966080 and t.scores(text) == [(0, 1.234), (983040, 25.5)]
    with pytest.raises(BadInput, match="sets --num_envs itself"):
        t.command(["train-jax-ppo", "--num_envs=64"], None, None)


def test_unknown_preset_names_the_known_ones():
    with pytest.raises(BadInput, match="cleanrl, sb3, brax-train, locomujoco"):
        trainer("stable-baselines")


def test_the_sb3_evaluation_period_is_where_rl_zoo3_evaluates(tmp_path):
    """rl_zoo3 evaluates every ``eval_freq // n_envs`` calls of its vectorised env: at 3 envs and
    ``--eval-freq 200``, every 198 env steps, as its own "Eval num_timesteps=" lines show."""
    import inspect
    import re

    import rl_zoo3.train

    t = trainer("sb3")
    built = t.command([sys.executable, "-m", "rl_zoo3.train", "--algo", "ppo", "--env", "CartPole-v1",
                       "--log-folder", str(tmp_path / "logs"), "--eval-freq", "200"], None, None)
    assert t.evaluation_period(built.argv, 3) == 198
    argv = filled(built.argv, num_envs=3, total_timesteps=600)
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=tmp_path,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    evaluated = [int(s) for s in re.findall(r"Eval num_timesteps=(\d+)", proc.stdout)]
    ran = t.steps_run(proc.stdout, {})
    assert ran == 672 and evaluated == list(range(198, ran + 1, 198))
    assert t.evaluations(proc.stdout) == evaluated and t.iteration_seen(proc.stdout) == 3 * 32
    # the zoo's own default, read from its argument parser's source, and the flag's other forms
    default = re.search(r'"--eval-freq",.*?default=(-?\d+)', inspect.getsource(rl_zoo3.train), re.S)
    assert default and t.evaluation_period(["rl_zoo3", "train"], 8) == int(default.group(1)) == 25_000
    assert t.evaluation_period(["rl_zoo3", "train", "--eval-freq=1000"], 3) == 999
    assert t.evaluation_period(["rl_zoo3", "train", "--eval-freq", "-1"], 3) is None
    assert trainer("cleanrl").evaluation_period(["ppo.py"], 8) is None
