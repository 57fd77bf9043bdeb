"""A real MJX calibration on CPU through the CLI: subprocess per point, real compiles."""

import json
import os

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.slow

# --minibatch-size 40: each point's num_minibatches keeps its minibatches at 40 samples, as
# 'recommend --minibatch-size 40' would choose: 80/2 at 8 envs, 160/4 at 16
TINY = ("--model", "half_cheetah", "--num-envs", "8,16", "--num-steps", "10", "--minibatch-size", "40",
        "--update-epochs", "1", "--hidden-layers", "32,32", "--repeats", "2", "--platform", "cpu",
        "--parallel-compiles", "2")


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory, jax_cache):
    home = tmp_path_factory.mktemp("home")
    env = {"ADVISOR_HOME": str(home), "ADVISOR_JAX_CACHE": str(jax_cache), "COLUMNS": "200"}
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
    assert profile["software"]["jax"] and profile["hardware"]["cpu_logical_cores"] >= 1


def test_calibrated_profile_drives_recommend_and_predict(calibrated):
    env, _ = calibrated
    rec = run_cli("recommend", "--profile", "tiny", "--target", "100k", "--minibatch-size", "40", "--json", env=env)
    assert rec.returncode == 0, rec.stderr
    data = json.loads(rec.stdout)
    chosen = data["chosen"]
    assert chosen["num_envs"] in (8, 16) and chosen["minibatch_size"] == 40
    # measured with the minibatches it recommends: no warning that they differ
    assert not any("was measured with num_minibatches" in n for n in data["notes"])
    pred = run_cli("predict", "--profile", "tiny", "--num-envs", "8,12,16", "--json", env=env)
    rows = json.loads(pred.stdout)
    assert all(r["peak_vram_bytes_upper"] >= r["peak_vram_bytes"] > 0 for r in rows)
    # without --profile, this machine's calibrated profile wins over shipped defaults
    default = run_cli("recommend", "--target", "100k", env=env)
    assert "tiny (calibrated on this machine)" in default.stdout


def test_point_logs_and_specs_are_kept_for_diagnosis(calibrated):
    env, _ = calibrated
    runs = os.path.join(env["ADVISOR_HOME"], "runs", "tiny")
    names = set(os.listdir(runs))
    assert {"n8-compile.log", "n8-measure.log", "n16-measure.result.json"} <= names
