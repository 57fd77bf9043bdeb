"""``advisor race`` on tiny real trainings (examples/numpy_reach.py reaches its score in about a
second): successive halving, censoring, a crashed config, Ctrl-C and --resume."""

import json
import signal
import subprocess
import sys
import time

from profiler.store import load_profile_file, profile_path
from tests.conftest import ROOT, one_line_error, run_cli

REACH = [sys.executable, str(ROOT / "examples" / "numpy_reach.py"), "--num-envs", "{num_envs}", "--seed", "{seed}",
         "--total-timesteps", "{total_timesteps}"]
READ = ["--score-regex", r"episodic_return=(\S+)", "--step-regex", r"global_step=(\d+)", "--window", "5"]


def race(*args, command=REACH, extra=()):
    proc = run_cli("race", *READ, *args, "--json", "--", *command, *extra, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def test_every_run_gets_a_first_rung_then_the_better_half_goes_on():
    # wall time per env step grows with num_envs (--env-cost): 512 envs need ~6x the wall time of 2
    result, log = race("--score", "-2.5", "--budget", "15s", "--num-envs", "2,32,512", "--seeds", "2", "--name", "h",
                       extra=("--step-cost", "0.004", "--env-cost", "0.00005"))
    runs = [r for c in result["configs"] for r in c["runs"]]
    assert len(runs) == 6 and all(r["wall_s"] > 0 for r in runs), runs  # nothing dropped, all ran rung 0
    later = {c["num_envs"] for c in result["configs"] for r in c["runs"] if r["rung"] >= 1}
    assert len(later) <= 2  # after the first rung at most the better half (2 of 3) trained on
    eliminated = [c for c in result["configs"] if c["eliminated"]]
    assert eliminated and "stopped" in log
    for config in eliminated:
        for run in config["runs"]:
            assert run["status"] in ("reached", "censored") and (run["status"] == "reached") != run["censored"]
        if config["censored"]:
            assert config["time_to_score_s"] is None and config["more_than_s"] > 0
    winner = result["winner"]
    assert winner is not None and winner["num_envs"] != 512 and not winner["censored"]
    times = sorted(r["time_to_score_s"] for r in winner["runs"])
    assert winner["time_to_score_s"] == sum(times) / 2 and winner["reached"] == 2
    assert winner["env_steps_to_score"] == sorted(r["env_steps_to_score"] for r in winner["runs"])[0] / 2 + \
        sorted(r["env_steps_to_score"] for r in winner["runs"])[1] / 2
    assert result["spent_s"] <= 15 + 5
    stored = load_profile_file(profile_path("h")).race("command")
    assert stored.finished and {r.key for r in stored.runs} == {(n, s) for n in (2, 32, 512) for s in (1, 2)}
    assert stored.winner.num_envs == winner["num_envs"]


def test_runs_stopped_before_the_score_are_censored_and_reported():
    result, _ = race("--score", "-0.5", "--budget", "4s", "--num-envs", "4,16", "--seeds", "2", "--name", "c")
    assert result["winner"] is None
    for config in result["configs"]:
        assert config["censored"] and config["time_to_score_s"] is None and config["more_than_s"] > 0
        assert all(r["censored"] and r["time_to_score_s"] is None for r in config["runs"])
    proc = run_cli("race", *READ, "--score", "-0.5", "--budget", "3s", "--num-envs", "4", "--seeds", "1", "--name",
                   "c2", "--", *REACH)
    assert proc.returncode == 0 and "no config's median time to score -0.5 is known" in proc.stdout
    assert "> " in proc.stdout and "censored" in proc.stdout


def test_a_config_that_runs_out_of_memory_is_recorded_and_the_race_goes_on():
    trainer = [sys.executable, str(ROOT / "tests" / "profiler" / "race" / "oom_trainer.py")] + REACH[2:]
    result, _ = race("--score", "-2.5", "--budget", "20s", "--num-envs", "2,8", "--seeds", "1", "--name", "o",
                     "--env", "OOM_AT=8", command=trainer)
    oom = next(c for c in result["configs"] if c["num_envs"] == 8)
    assert oom["censored"] and oom["runs"][0]["status"] == "oom"
    assert "RESOURCE_EXHAUSTED" in oom["runs"][0]["error"]
    assert result["winner"]["num_envs"] == 2


def test_ctrl_c_keeps_finished_runs_and_resume_goes_on():
    args = ["race", *READ, "--score", "-2.5", "--budget", "60s", "--num-envs", "2,4", "--seeds", "2", "--name", "r",
            "--", *REACH, "--step-cost", "0.006"]
    proc = subprocess.Popen([sys.executable, "-m", "advisor", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    path, deadline, reached = profile_path("r"), time.monotonic() + 120, []
    while time.monotonic() < deadline and not reached:
        time.sleep(0.2)
        if path.exists():
            try:
                reached = [r for r in load_profile_file(path).race("command").runs if r.reached]
            except Exception:  # written atomically; a profile mid-creation is simply not there yet
                reached = []
    assert reached, "no run reached the score"
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "--resume" in err
    interrupted = load_profile_file(path).race("command")
    assert not interrupted.finished
    kept = {r.key: r.time_to_score_s for r in interrupted.runs if r.reached}
    assert kept and all(r.status in ("reached", "interrupted") for r in interrupted.runs)

    changed = run_cli(*[a if a != "-2.5" else "-3" for a in args[:-len(REACH) - 3]], "--resume", "--",
                      *REACH, "--step-cost", "0.006")
    assert "same race" in one_line_error(changed) and "score" in changed.stderr

    done = run_cli(*args[:-len(REACH) - 3], "--resume", "--json", "--", *REACH, "--step-cost", "0.006", timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert all(r["status"] in ("reached", "censored") for c in result["configs"] for r in c["runs"])
    finished = load_profile_file(path).race("command")
    assert finished.finished and finished.spent_s > interrupted.spent_s
    for key, seconds in kept.items():  # a finished run is never run again
        assert finished.run(*key).time_to_score_s == seconds
