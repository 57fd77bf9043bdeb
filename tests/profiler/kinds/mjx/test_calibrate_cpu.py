"""A real MJX calibration on CPU through the CLI: subprocess per point, real compiles."""

import json
import os

import pytest

from tests.conftest import ARM, one_line_error, run_cli

pytestmark = pytest.mark.slow

# The model is the two-link arm of tests/conftest.py (ARM): the calibration's records, phases and
# fits are what these tests check, and each measuring process traces MJX's step in seconds, where
# half_cheetah takes 9-15 s even from JAX's cache; test_faults' OOM sweep calibrates a shipped
# model by name. --minibatch-size 40: each point's num_minibatches keeps its minibatches at 40
# samples, as 'recommend --minibatch-size 40' would choose: 80/2 at 8 envs, 160/4 at 16
TINY = ("--model", str(ARM), "--num-envs", "8,16", "--num-steps", "10", "--minibatch-size", "40",
        "--update-epochs", "1", "--hidden-layers", "32,32", "--repeats", "2", "--platform", "cpu",
        "--parallel-compiles", "2")


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    # a cache of its own: the first point must compile for real, whatever other test files (run
    # before it, or beside it by another pytest-xdist worker) have put in the session's cache
    home, cache = tmp_path_factory.mktemp("home"), tmp_path_factory.mktemp("jax-cache-own")
    env = {"ADVISOR_HOME": str(home), "ADVISOR_JAX_CACHE": str(cache), "COLUMNS": "200"}
    proc = run_cli("calibrate", "mjx", "--name", "tiny", *TINY, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return env, proc


def test_calibration_records_real_measurements(calibrated):
    env, proc = calibrated
    assert "saved profile tiny" in proc.stdout
    assert "num_envs=8:" in proc.stderr and "num_envs=16:" in proc.stderr  # progress lines
    profile = json.loads(run_cli("profile", "show", "tiny", "--json", env=env).stdout)
    section = profile["mjx"]
    assert section["accelerator"]["platform"] == "cpu"
    assert section["memory_source"] == "host_peak_rss"
    assert [p["num_envs"] for p in section["points"]] == [8, 16]
    assert [p["num_minibatches"] for p in section["points"]] == [2, 4]
    assert section["workload"]["minibatch_size"] == 40
    for point in section["points"]:
        assert point["status"] == "ok"
        assert len(point["train_sps_samples"]) == 2 and point["train_sps"] > 0
        assert point["physics_sps"] > 0
        assert point["peak_bytes"] > 100 * 2**20  # a Python + XLA process holds at least that
        assert point["xla_bytes"] > 0
    assert section["points"][0]["compile_s"] > 1  # a real XLA compile (first point misses the cache)
    # the gradient noise scale, policy and value apart, at the grid's smallest point only
    noise = section["points"][0]["gradient_noise"]
    assert noise["policy"]["b_small"] == 40 and noise["value"]["b_big"] == 80
    assert section["points"][1]["gradient_noise"] is None and "gradient noise scale B_simple" in proc.stdout
    # --parallel-compiles 2: the first point compiles alone (what a training run's compile is
    # predicted from), then the rest share the CPUs (here only one is left)
    assert [p["compile_parallel"] for p in section["points"]] == [1, 1]
    # the phases, timed apart: the update at the point's own count, the recommend rule's (1 minibatch
    # of the whole batch: 80 and 160 < 3200) and, at both ends of the grid, near LocoMuJoCo's 32
    assert "plan:" in proc.stderr and "the update also at 1 (80), 40 (2)" in proc.stderr
    for point, counts in zip(section["points"], ([1, 2, 40], [1, 4, 32])):
        assert len(point["rollout_s_samples"]) == 2 and all(s > 0 for s in point["rollout_s_samples"])
        assert [u["num_minibatches"] for u in point["update_phases"]] == counts
        assert all(len(u["seconds_samples"]) == 2 and min(u["seconds_samples"]) > 0 for u in point["update_phases"])
        own = next(u for u in point["update_phases"] if u["num_minibatches"] == point["num_minibatches"])
        phase_sum = min(point["rollout_s_samples"]) + min(own["seconds_samples"])
        # the same work, timed fused and in two parts: best cases on both sides, since each sample is
        # one call of milliseconds that a neighbour's burst can stretch several times
        fused = point["num_envs"] * 10 / max(point["train_sps_samples"])
        assert 0.25 < fused / phase_sum < 4
    assert profile["software"]["jax"] and profile["hardware"]["cpu_logical_cores"] >= 1


def test_calibrated_profile_drives_recommend_and_predict(calibrated):
    env, _ = calibrated
    rec = run_cli("recommend", "--profile", "tiny", "--target", "100k", "--minibatch-size", "40", "--json", env=env)
    assert rec.returncode == 0, rec.stderr
    data = json.loads(rec.stdout)
    chosen = data["chosen"]
    assert chosen["num_envs"] in (8, 16) and chosen["minibatch_size"] == 40
    assert chosen["basis"] == "phases" and chosen["num_updates"] == 100_000 // (chosen["num_envs"] * 10)
    pred = run_cli("predict", "--profile", "tiny", "--num-envs", "8,12,16", "--json", env=env)
    rows = json.loads(pred.stdout)
    assert all(r["peak_vram_bytes_upper"] >= r["peak_vram_bytes"] > 0 for r in rows)
    assert all(r["basis"] == "phases" for r in rows)
    # a minibatch count never measured at 16 envs (8 of 20 samples): predicted from the phases, and
    # never cheaper than 1 minibatch of 160 (k * u(B / k) cannot fall as k grows in either form of u;
    # it stays level when the fit puts the minibatch latency near 0, as a noisy CPU fit may)
    few, many = (json.loads(run_cli("predict", "--profile", "tiny", "--num-envs", "16", "--num-minibatches", k,
                                    "--target", "1M", "--json", env=env).stdout)[0] for k in ("1", "8"))
    assert (few["num_minibatches"], many["num_minibatches"], many["num_updates"]) == (1, 8, 6250)
    # (level up to rounding: 1 ulp apart was seen)
    assert many["iteration_s"] >= few["iteration_s"] * (1 - 1e-12) and many["gradient_steps_per_update"] == 8
    # the guard: 100k steps at 16 envs x 10 steps are 625 updates, at 8 envs 1250
    guarded = run_cli("recommend", "--profile", "tiny", "--target", "100k", "--min-updates", "1000",
                      "--objective", "max-throughput", "--json", env=env)
    assert guarded.returncode == 0, guarded.stderr
    options = json.loads(guarded.stdout)["options"]
    assert [o["excluded"] for o in options if o["num_envs"] == 16] == ["625 PPO updates, fewer than --min-updates 1000"]
    assert json.loads(guarded.stdout)["chosen"]["num_envs"] == 8
    refused = run_cli("recommend", "--profile", "tiny", "--target", "100k", "--min-updates", "5000", env=env)
    assert refused.returncode != 0 and "fewer than --min-updates 5000" in refused.stdout + refused.stderr
    validation = json.loads(run_cli("validate", "--profile", "tiny", "--json", env=env).stdout)
    phase_curves = {c["curve"] for c in validation["curves"] if c.get("form") == "phases"}
    assert phase_curves == {"phases_num_minibatches"}  # 2 num_envs: holding one out leaves one, no fit
    # without --profile, this machine's calibrated profile wins over shipped defaults
    default = run_cli("recommend", "--target", "100k", env=env)
    assert "tiny (calibrated on this machine)" in default.stdout


def test_point_logs_and_specs_are_kept_for_diagnosis(calibrated):
    env, _ = calibrated
    runs = os.path.join(env["ADVISOR_HOME"], "runs", "tiny")
    names = set(os.listdir(runs))
    assert {"n8-compile.log", "n8-measure.log", "n16-measure.result.json"} <= names


def test_the_calibrated_workload_races_to_a_score_and_predicts_time_to_score(calibrated):
    env, _ = calibrated
    # no command and no --kind: the race is of the profile's MJX workload; every env's first
    # episode ends at the horizon (1000 steps: the arm has no fall), all on the same update, so any
    # score the first returns reach is reached after exactly 1000 x num_envs env steps
    proc = run_cli("race", "--name", "tiny", "--score", "-1e9", "--budget", "300s", "--num-envs", "8,16", "--seeds", "1",
                   "--total-timesteps", "32000", "--json", env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["kind"] == "mjx" and result["num_steps"] == 10
    for config in result["configs"]:
        (run,) = config["runs"]
        assert run["status"] == "reached" and run["env_steps_to_score"] == 1000 * config["num_envs"]
        assert run["time_to_score_s"] > 1  # start-up and a real compile came first
    profile = json.loads(run_cli("profile", "show", "tiny", "--json", env=env).stdout)
    argv = profile["races"][0]["settings"]["argv"]
    assert argv[1:3] == ["-m", "profiler.kinds.mjx.race_child"] and argv[argv.index("--minibatch-size") + 1] == "40"
    rec = run_cli("recommend", "--kind", "mjx", "--profile", "tiny", "--objective", "time-to-score", "--score", "-1e9",
                  "--json", env=env)
    assert rec.returncode == 0, rec.stderr
    data = json.loads(rec.stdout)
    assert {o["num_envs"] for o in data["options"] if o["raced"]} == {8, 16}
    assert "gradient noise scale" in data["prior"] and data["chosen"]["num_envs"] in (8, 12, 16)
    assert data["experiment"]["num_envs"] == data["chosen"]["num_envs"] and data["experiment"]["num_steps"] == 10
    # the race reads its own output: a trainer's preset is refused in one line
    refused = run_cli("race", "--name", "tiny", "--score", "1", "--preset", "sb3", env=env)
    assert refused.returncode == 2 and "--kind mjx reads the returns its own training prints" in one_line_error(refused)
