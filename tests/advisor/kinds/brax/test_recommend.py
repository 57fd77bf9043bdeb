"""recommend, predict, validate and profile show on the shipped brax profile, as a user on a fresh
clone runs them (no brax needed: nothing here imports it)."""

from __future__ import annotations

import json

import yaml

from profiler.kinds.brax.rules import env_steps_per_update, shape_error, total_env_steps
from tests.conftest import ROOT, one_line_error, run_cli

SHIPPED = "epyc-2core-cpu-brax-cartpole"


def test_recommend_keeps_playground_shape_and_counts_brax_steps():
    proc = run_cli("recommend", "--kind", "brax", "--target", "60M", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["profile"] == SHIPPED
    p = data["params"]
    # Playground's DM Control shape is kept: 983,040 env steps per update
    assert (p["batch_size"], p["num_minibatches"], p["unroll_length"], p["num_updates_per_batch"]) == (1024, 32, 30, 16)
    assert shape_error(p["num_envs"], p["batch_size"], p["num_minibatches"], data["device_count"]) is None
    assert p["num_timesteps"] == 60_000_000
    assert data["total_env_steps"] == total_env_steps(60_000_000, env_steps_per_update(1024, 30, 32), 10, 10) == 88_473_600
    assert data["train_sps_low"] < data["train_sps"] < data["train_sps_high"]
    assert data["time_s"] > 88_473_600 / data["train_sps"]  # evaluation and compile on top of training
    assert yaml.safe_load(data["yaml"]) == p
    namespace: dict = {}
    exec(compile(data["python"].split("from mujoco_playground")[0] + "overrides = " +
                 data["python"].split("overrides = ")[1].split("\nppo_params.update")[0], "<emitted>", "exec"), namespace)
    assert namespace["overrides"] == p


def test_where_num_envs_does_not_change_throughput_the_recommendation_says_so(advisor_home):
    # the CPU cartpole profile shipped until 2026-12-05: its throughput did not change with num_envs
    # (2,715-3,249 env steps/s measured), so every option is predicted the same, and the
    # recommendation says its num_envs is one of equals
    flat = json.loads((ROOT / "tests" / "data" / "brax_cartpole_flat.json").read_text())
    (advisor_home / "profiles").mkdir(parents=True)
    (advisor_home / "profiles" / "flat.json").write_text(json.dumps({**flat, "name": "flat", "source": "calibrated"}))
    proc = run_cli("recommend", "--kind", "brax", "--profile", "flat", "--target", "60M", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    p = data["params"]
    tied = [o["num_envs"] for o in data["options"] if o["fits"] and abs(o["train_sps"] / data["train_sps"] - 1) < 0.005]
    assert len(tied) > 1 and p["num_envs"] in tied
    assert any(n.startswith(f"the predicted throughput is the same at num_envs {', '.join(map(str, tied))}")
               for n in data["notes"])


def test_a_target_below_the_least_brax_runs_says_how_far_and_what_to_lower():
    small, large = (json.loads(run_cli("recommend", "--profile", SHIPPED, "--target", t, "--json").stdout)
                    for t in ("1k", "60M"))
    assert small["total_env_steps"] == large["total_env_steps"] == 88_473_600  # 90 epochs x 1 training step
    [note] = [n for n in small["notes"] if n.startswith("Brax runs")]
    assert "88,474x the target" in note and "lower num_evals or num_resets_per_eval" in note
    assert not any("x the target" in n for n in large["notes"])


def test_user_shape_predict_validate_show_and_bad_input():
    proc = run_cli("recommend", "--kind", "brax", "--target", "1M", "--env-steps-per-update", "30720")
    assert proc.returncode == 0, proc.stderr
    assert "'batch_size': 32" in proc.stdout
    assert "predicted train_sps" in proc.stdout or "measured train_sps" in proc.stdout  # 64 envs at 32:32:30 ran
    line = one_line_error(run_cli("recommend", "--kind", "brax", "--target", "1M", "--env-steps-per-update", "1000"))
    assert "multiple of num_minibatches x unroll_length" in line
    rows = json.loads(run_cli("predict", "--profile", SHIPPED, "--num-envs", "16,64", "--json").stdout)
    assert [r["num_envs"] for r in rows] == [16, 64] and all(r["train_sps"] > 0 for r in rows)
    assert "Brax needs" in one_line_error(run_cli("predict", "--profile", SHIPPED, "--num-envs", "48"))
    assert run_cli("validate", "--profile", SHIPPED).returncode == 0
    show = run_cli("profile", "show", SHIPPED)
    assert show.returncode == 0 and "CartpoleBalance" in show.stdout


def test_explorer_page_shows_the_recommendation_and_the_curve(monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    monkeypatch.setenv("ADVISOR_EXPLORE_PROFILE", SHIPPED)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception and not at.error, [e.value for e in at.exception]
    envs = [m.value for m in at.metric if m.label == "num_envs"]
    assert envs and int(envs[0]) >= 1 and len(at.get("vega_lite_chart")) == 1
    assert any(c.value.startswith("train-jax-ppo --env_name=CartpoleBalance") for c in at.code)
    at.number_input(key="brax-batch_size").set_value(32).run()  # Playground's 1024 -> 32: 30,720 env steps per update
    assert [m.value for m in at.metric if m.label == "env steps per update"][0] == "30.7k"
    assert any("--batch_size=32 " in c.value for c in at.code)
