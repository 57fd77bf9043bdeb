"""``advisor calibrate command`` through the CLI on the example training scripts, as a user runs it:
a differential sweep of the PyTorch example that drives recommend, predict and validate; its
memory boundary under --memory-limit; commands advisor cannot sweep (exit 2, one line); the
LocoMuJoCo preset's argument list."""

import json
import statistics
import subprocess
import sys

import pytest

from advisor.kinds.command.presets import preset_command
from profiler.kinds.command.placeholders import substitute, values_at
from tests.conftest import ROOT, one_line_error, run_cli

TORCH = [sys.executable, str(ROOT / "examples" / "torch_vec_reinforce.py"), "--num-envs", "{num_envs}",
         "--total-timesteps", "{total_timesteps}", "--num-steps", "{num_steps}"]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def torch_profile(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    env = {"ADVISOR_HOME": str(home), "COLUMNS": "200"}
    proc = run_cli("calibrate", "command", "--name", "torch-ex", "--num-envs", "32,256", "--num-steps", "16",
                   "--first-timesteps", "4096", "--delta", "4s", "--repeats", "1", "--", *TORCH, env=env,
                   timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return env, proc


def test_a_sweep_of_a_real_training_script_records_rate_fixed_cost_and_memory(torch_profile):
    env, proc = torch_profile
    assert "saved profile torch-ex" in proc.stdout and "num_envs=256:" in proc.stderr
    section = json.loads(run_cli("profile", "show", "torch-ex", "--json", env=env).stdout)["command"]
    assert section["workload"]["num_steps"] == 16 and section["workload"]["argv"][2:4] == ["--num-envs", "{num_envs}"]
    small, large = section["points"]
    for point in (small, large):
        assert point["status"] == "ok" and point["throughput_method"] == "differential"
        assert point["fixed_s"] > 0.5  # importing torch alone takes longer than that
        assert point["peak_bytes"] > 50 * 2**20 and point["memory_source"] == "process_tree_peak_rss"
        assert all(run["total_timesteps"] % (point["num_envs"] * 16) == 0 for run in point["runs"])
        # the rate and fixed cost are the differential's own arithmetic on the recorded runs: the two short
        # runs' mean wall time against the longer runs' (a comparison of rates across points would depend
        # on what else the machine runs, and CI runs two test files at once)
        short, *longer = sorted({run["total_timesteps"] for run in point["runs"]})
        short_wall = sum(r["wall_s"] for r in point["runs"] if r["total_timesteps"] == short) / 2
        final = [r for r in point["runs"] if r["total_timesteps"] == longer[-1]]
        rates = [(longer[-1] - short) / (r["wall_s"] - short_wall) for r in final]
        assert point["train_sps"] == pytest.approx(statistics.median(rates)) and point["train_sps"] > 0
        assert point["fixed_s"] == pytest.approx(max(0.0, short_wall - short / point["train_sps"]))


def test_recommend_prints_the_exact_command_and_the_time_to_target(torch_profile, tmp_path):
    env, _ = torch_profile
    rec = run_cli("recommend", "--kind", "command", "--profile", "torch-ex", "--target", "1M", "--json", env=env)
    assert rec.returncode == 0, rec.stderr
    data = json.loads(rec.stdout)
    chosen = data["chosen"]
    assert chosen["num_envs"] in (32, 64, 128, 256)
    assert data["argv"] == [sys.executable, str(ROOT / "examples" / "torch_vec_reinforce.py"), "--num-envs",
                            str(chosen["num_envs"]), "--total-timesteps", str(chosen["total_timesteps"]),
                            "--num-steps", "16"]
    assert chosen["total_timesteps"] >= 1_000_000 and chosen["total_timesteps"] % (chosen["num_envs"] * 16) == 0
    assert chosen["time_s"] == pytest.approx(chosen["fixed_s"] + chosen["total_timesteps"] / chosen["train_sps"])
    assert chosen["fixed_s"] > 0.5
    script = tmp_path / "train.sh"
    written = run_cli("recommend", "--kind", "command", "--profile", "torch-ex", "--target", "1M", "-o", str(script),
                      env=env)
    assert written.returncode == 0, written.stderr
    lines = script.read_text().splitlines()  # runs from any folder: it changes to the calibration's first
    assert lines[0] == "#!/bin/sh" and lines[2] == f"cd {ROOT}" and lines[3] == f"exec {data['command_line']}"
    assert subprocess.run(["sh", "-n", str(script)]).returncode == 0
    text = run_cli("recommend", "--kind", "command", "--profile", "torch-ex", "--target", "1M", env=env).stdout
    assert f"--num-envs {chosen['num_envs']} --total-timesteps {chosen['total_timesteps']}" in text
    assert "fixed cost +" in text
    pred = json.loads(run_cli("predict", "--profile", "torch-ex", "--num-envs", "32,100,256", "--json", env=env).stdout)
    assert [r["num_envs"] for r in pred] == [32, 100, 256]
    assert all(r["train_sps_low"] <= r["train_sps"] <= r["train_sps_high"] for r in pred)
    validate = run_cli("validate", "--profile", "torch-ex", env=env)
    assert validate.returncode == 0 and "leave-one-out needs three" in validate.stdout


def test_memory_limit_finds_the_boundary_and_larger_sizes_are_not_tried(tmp_path):
    env = {"ADVISOR_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    proc = run_cli("calibrate", "command", "--name", "capped", "--num-envs", "1024,65536,262144", "--num-steps", "16",
                   "--memory-limit", "1000M", "--first-timesteps", "32768",
                   "--sps-regex", r"steady-state env steps/s: ([0-9.]+)", "--", *TORCH, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    points = json.loads(run_cli("profile", "show", "capped", "--json", env=env).stdout)["command"]["points"]
    assert [p["status"] for p in points] == ["ok", "oom", "skipped"]
    assert points[0]["throughput_method"] == "printed" and points[0]["train_sps"] > 0 and len(points[0]["runs"]) == 1
    assert "Cannot allocate memory" in points[1]["error"] or "MemoryError" in points[1]["error"]
    assert "65536 envs ran out of memory" in points[2]["error"] and points[2]["runs"] == []


@pytest.mark.parametrize(("command", "message"), [
    (["python", "train.py", "--total-timesteps", "{total_timesteps}"], "no {num_envs} placeholder"),
    (["python", "train.py", "--num-envs", "{num_envs}", "--seed", "{seed}"], "unknown placeholder {seed}"),
    (["python", "train.py", "--num-envs", "{num_envs}"], "no {total_timesteps} placeholder"),
    ([], "no command given"),
    (["/nonexistent/prog", "--num-envs", "{num_envs}", "--total-timesteps", "{total_timesteps}"],
     "'/nonexistent/prog' does not exist"),
    (["no-such-trainer-xyz", "{num_envs}", "{total_timesteps}"], "'no-such-trainer-xyz' is not on PATH"),
    ([str(ROOT / "README.md"), "{num_envs}", "{total_timesteps}"], "is not executable"),
])
def test_a_command_advisor_cannot_sweep_is_one_line_exit_2(tmp_path, command, message):
    proc = run_cli("calibrate", "command", "--name", "bad", "--", *command)
    assert message in one_line_error(proc)
    assert not (tmp_path / "advisor-home" / "profiles" / "bad.json").exists()


def test_a_sweep_whose_every_point_fails_the_same_way_says_so_once(tmp_path):
    env = {"ADVISOR_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    proc = run_cli("calibrate", "command", "--name", "broken", "--num-envs", "8,16", "--", sys.executable, "-c",
                   "import sys; import no_such_module_xyz", "{num_envs}", "{total_timesteps}", env=env, timeout=300)
    assert proc.returncode == 1
    line = proc.stderr.strip().splitlines()[-1]
    assert "every point failed with" in line and "No module named 'no_such_module_xyz'" in line
    assert "--quick" not in line  # calibrate command has no --quick
    points = json.loads(run_cli("profile", "show", "broken", "--json", env=env).stdout)["command"]["points"]
    assert [p["status"] for p in points] == ["error", "error"]  # each point says what went wrong


def test_the_locomujoco_preset_adds_the_hydra_overrides_with_exact_minibatches():
    preset = preset_command("locomujoco", ["python", "experiment.py"], None, None)
    argv, env, minibatch_size, num_steps = preset.argv, preset.env, preset.minibatch_size, preset.num_steps
    assert env == {"WANDB_MODE": "disabled"} and (minibatch_size, num_steps) == (3200, 50)
    assert (preset.iteration, preset.rounding) == ("given", "floor")
    values = values_at(2048, 100_000_000, num_steps=num_steps, minibatch_size=minibatch_size)
    assert substitute(argv, values) == ["python", "experiment.py", "experiment.num_envs=2048",
                                        "experiment.num_minibatches=32", "experiment.total_timesteps=100000000",
                                        "experiment.validation.active=false"]
    odd = substitute(argv, values_at(48, 1000, num_steps=50, minibatch_size=600))
    assert odd[3] == "experiment.num_minibatches=4" and (48 * 50) % 4 == 0
    with_steps = preset_command("locomujoco", ["python", "experiment.py"], 1000, 20).argv
    assert with_steps[-1] == "experiment.num_steps={num_steps}"
    proc = run_cli("calibrate", "command", "--name", "loco", "--preset", "locomujoco", "--", "python",
                   "experiment.py", "experiment.num_envs=64")
    assert "sets experiment.num_envs itself" in one_line_error(proc)


@pytest.mark.parametrize(("preset", "command", "message"), [
    ("cleanrl", ["python", "ppo.py", "--num-envs", "4"], "--preset cleanrl sets --num-envs itself"),
    ("sb3", ["python", "-m", "rl_zoo3.train", "-n", "1000"], "--preset sb3 sets -n itself"),
    ("rl-zoo3", ["python", "-m", "rl_zoo3.train", "--hyperparams", "n_envs:2"], "sets n_envs itself"),
    ("brax-train", ["train-jax-ppo", "--num_timesteps=5"], "sets --num_timesteps itself"),
    ("stable-baselines", ["python", "x.py"], "--preset 'stable-baselines' is unknown"),
    ("cleanrl", [], "needs the command that starts training after --"),
])
def test_a_preset_refuses_what_it_sets_itself_in_one_line(preset, command, message):
    proc = run_cli("calibrate", "command", "--name", "p", "--preset", preset, "--", *command)
    assert message in one_line_error(proc)


def test_the_presets_record_how_the_sweep_learns_each_runs_steps():
    cleanrl = preset_command("cleanrl", ["python", "ppo_continuous_action.py"], None, None)
    assert (cleanrl.iteration, cleanrl.num_steps, cleanrl.rounding) == ("given", 2048, "floor")
    unknown = preset_command("cleanrl", ["python", "my_ppo_variant.py"], None, None)
    assert (unknown.iteration, unknown.num_steps) == ("detect", None)  # not a published script: found from timing
    zoo = preset_command("rl-zoo3", ["python", "-m", "rl_zoo3.train", "--env", "HalfCheetah-v5"], None, None)
    assert (zoo.name, zoo.iteration, zoo.rounding) == ("sb3", "reported", "ceil")
    zoo_steps = preset_command("sb3", ["rl_zoo3", "train", "--hyperparams", "n_steps:512"], None, None)
    assert (zoo_steps.iteration, zoo_steps.num_steps) == ("given", 512)
    brax = preset_command("brax-train", ["train-jax-ppo", "--env_name=CartpoleBalance"], None, None)
    assert brax.iteration == "reported" and brax.argv[-2:] == ("--num_envs={num_envs}", "--num_timesteps={total_timesteps}")


def test_steps_regex_must_be_a_regular_expression():
    proc = run_cli("calibrate", "command", "--name", "r", "--steps-regex", "step ([0-9]+", "--", "python", "t.py",
                   "{num_envs}", "{total_timesteps}")
    assert "--steps-regex 'step ([0-9]+' is not a regular expression" in one_line_error(proc)


@pytest.mark.parametrize("value", ["-5s", "forever", "1e9"])
def test_a_steady_wait_that_is_not_a_duration_is_one_line_exit_2(value):
    proc = run_cli("calibrate", "command", "--name", "w", "--steady-wait", value, "--", "python", "t.py",
                   "{num_envs}", "{total_timesteps}")
    assert "--steady-wait" in one_line_error(proc)


def test_calibrate_waits_for_a_cpu_in_a_slow_spell_and_says_so(tmp_path, advisor_home):
    # the real CLI; its reference pass reads 3 ms throughout (a sitecustomize of the test's), while
    # this machine's record says 2 ms is its steady pass
    from profiler.cpu_reference import MachineSpeed
    from tests.profiler.kinds.command.scripts import write_sleeper

    record = MachineSpeed.load()
    for _ in range(10):
        record.add(2.0)
    record.save()
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text("import profiler.contention_sampler as s\ns.reference_pass = lambda: 0.003\n")
    env = {"PYTHONPATH": f"{hook}:{ROOT}", "COLUMNS": "1000", "ADVISOR_STEADY_WAIT": "1.5s"}
    proc = run_cli("calibrate", "command", "--name", "w", "--num-envs", "4", "--first-timesteps", "1000",
                   "--delta", "1s", "--num-steps", "1", "--repeats", "1", "--", *write_sleeper(tmp_path), env=env,
                   timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "the CPU runs 50% slower than its steady speed here" in proc.stderr
    assert "waiting up to 1.5 s" in proc.stderr and "the CPU is still 50% slow after 2 s" in proc.stderr
    shown = json.loads(run_cli("profile", "show", "w", "--json").stdout)["command"]
    assert 1.5 <= shown["points"][0]["cpu_wait_s"] < 4 and "waits (up to 1.5 s)" in shown["method"]
    assert "its runs waited 2 s in all for the CPU" in run_cli("profile", "show", "w", env={"COLUMNS": "1000"}).stdout
