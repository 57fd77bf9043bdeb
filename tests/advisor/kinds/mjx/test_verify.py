"""``advisor verify``: what it plans and refuses (fast), and one real whole training run of a tiny
config on CPU through the CLI, stored in the profile and listed by ``validate`` (slow)."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor import catalog
from advisor.kinds.mjx.predicted import TrainConfig, predicted_for_config
from advisor.kinds.mjx.recommend import recommend_mjx
from advisor.kinds.mjx.verify import VerifyOptions, plan_verify
from models.num_envs_curves import fit_vectorised
from profiler.kinds.mjx.schema import MjxPoint, MjxSection, MjxWorkload
from profiler.kinds.mjx.verified import VerifiedRun
from profiler.profile import Accelerator, Profile
from profiler.store import load_profile_file, profile_path, save_profile
from tests.conftest import ROOT, one_line_error, run_cli

CONTRACT = ("predicted_time_s", "measured_time_s", "measured_compile_s", "predicted_train_sps", "measured_train_sps",
            "peak_bytes")


def tiny_profile(name: str = "tiny") -> Profile:
    """A CPU profile of a tiny half_cheetah PPO (3 points; the figures are plausible, not measured)."""
    workload = MjxWorkload(model="half_cheetah", num_steps=10, num_minibatches=2, update_epochs=1, hidden_layers=(32, 32))
    points = tuple(MjxPoint(num_envs=n, num_steps=10, num_minibatches=2, update_epochs=1, train_sps=sps,
                            train_sps_samples=(sps * 0.98, sps), compile_s=20.0, peak_bytes=int(4e8 + n * 1e6))
                   for n, sps in ((4, 300.0), (8, 550.0), (16, 900.0)))
    section = MjxSection(workload=workload, accelerator=Accelerator("cpu", "Test CPU", 24 * 2**30),
                         memory_source="host_peak_rss", points=points, sweep_settings={"num_envs": [4, 8, 16]})
    profile = Profile(name=name, sections={"mjx": section})
    save_profile(profile)
    return profile


@pytest.mark.parametrize("target", [10**6, 2 * 10**6, 10**8, 12_345_678])
@pytest.mark.parametrize("objective", ["efficient", "max-throughput"])
def test_the_recommended_plan_predicts_what_recommend_prints(target, objective):
    profile = catalog.load_shipped("epyc-2core-cpu-humanoid")
    rec = recommend_mjx(fit_vectorised(profile.section("mjx")), target, profile=profile.name, objective=objective)
    plan = plan_verify(profile, target, VerifyOptions(num_envs=None, num_minibatches=None, num_steps=None,
                                                      update_epochs=None, base=None, objective=objective,
                                                      tolerance=0.05, memory_headroom=0.9, minibatch_size=3200))
    assert plan.source == "recommended"
    assert (plan.config.num_envs, plan.config.num_minibatches) == (rec.chosen.num_envs, rec.chosen.num_minibatches)
    assert plan.prediction.time_s == rec.chosen.time_s
    assert plan.prediction.train_sps == rec.chosen.train_sps
    assert plan.config.env_steps == rec.chosen.env_steps


def test_a_given_config_gets_the_curve_and_says_what_was_not_measured():
    # a profile without phase timings (the CPU humanoid shipped until 2026-12-05): the fused curve
    profile = load_profile_file(ROOT / "tests" / "data" / "cpu_humanoid_levelled_off.json")
    measured = {p.num_minibatches for p in profile.section("mjx").ok_points}
    k = next(k for k in (2, 4, 8, 16, 64) if k not in measured)
    config = TrainConfig(num_envs=128, num_steps=50, num_minibatches=k, update_epochs=4, hidden_layers=(512, 256),
                         target_steps=2_000_000)
    prediction = predicted_for_config(profile, config)
    sps = float(fit_vectorised(profile.section("mjx")).throughput.predict([128])[0])
    assert prediction.train_sps == pytest.approx(sps)
    assert prediction.time_s == pytest.approx(prediction.compile_s + config.env_steps / sps)
    assert any(f"num_minibatches={k} (measured 32)" in note for note in prediction.notes)
    assert config.num_updates == 2_000_000 // 50 // 128 and config.env_steps == config.num_updates * 6400


def test_runs_are_stored_only_when_there_are_some(advisor_home):
    from profiler.kinds.mjx.verified import VerifiedRun
    from profiler.store import profile_from_json_text, profile_to_json_text

    profile = tiny_profile()
    assert "verified_runs" not in profile_to_json_text(profile)
    run = VerifiedRun(created="2026-12-01T10:00:00+00:00", target_steps=200, num_envs=8, num_steps=10,
                      num_minibatches=2, update_epochs=1, num_updates=2, env_steps=160, measured_time_s=31.0,
                      measured_compile_s=30.0, measured_run_s=1.0, measured_train_sps=160.0, source="given",
                      predicted_time_s=20.3, predicted_train_sps=540.0)
    section = profile.section("mjx")
    with_run = profile.with_section("mjx", dataclasses.replace(section, verified_runs=(run,)))
    text = profile_to_json_text(with_run)
    again = profile_from_json_text(text, "x.json")
    assert again == with_run and profile_to_json_text(again) == text
    assert run.time_error == pytest.approx((20.3 - 31.0) / 31.0)


def test_bad_input_exits_2_with_one_line(advisor_home):
    tiny_profile()
    cases = [
        (("--profile", "nope", "--target", "2M"), "no profile named 'nope'"),
        (("--profile", "tiny", "--target", "0"), "--target must be at least 1"),
        (("--profile", "tiny", "--target", "-5"), "--target"),
        (("--profile", "tiny", "--target", "2M", "--num-envs", "8", "--num-minibatches", "3"), "not divisible"),
        (("--profile", "tiny", "--target", "100M", "--num-envs", "40000"), "raise --memory-headroom"),
        (("--profile", "tiny", "--target", "10", "--num-envs", "8"), "less than one training iteration"),
        (("--profile", "tiny", "--target", "2M", "--num-envs", "0"), "--num-envs 0 is out of range"),
        (("--profile", "epyc-2core-cpu-humanoid", "--target", "2M"), "read-only"),
        (("--profile", "epyc-2core-cpu-halfcheetah", "--target", "2M"), "--kind rllib has no verify"),
        (("--profile", "tiny", "--target", "2M", "--kind", "command"), "--kind command has no verify"),
    ]
    for args, expected in cases:
        line = one_line_error(run_cli("verify", *args))
        assert expected in line, (args, line)
    assert "verified_runs" not in profile_path("tiny").read_text()


@pytest.mark.slow
def test_verify_trains_to_the_target_stores_the_run_and_validate_lists_it(advisor_home):
    profile = tiny_profile()
    proc = run_cli("verify", "--profile", "tiny", "--target", "200", "--num-envs", "8", "--num-minibatches", "2",
                   "--json", timeout=900)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert list(data)[:6] == list(CONTRACT)
    assert data["measured_time_s"] >= data["measured_compile_s"] > 0
    assert data["measured_time_s"] == pytest.approx(data["measured_compile_s"] + data["measured_run_s"])
    assert data["config"] == {"num_envs": 8, "num_steps": 10, "num_minibatches": 2, "update_epochs": 1,
                              "hidden_layers": [32, 32], "total_timesteps": 200}
    assert data["num_updates"] == 2 and data["env_steps"] == 160 and data["source"] == "given"
    assert data["measured_train_sps"] == pytest.approx(160 / data["measured_run_s"])
    assert data["peak_bytes"] > 100 * 2**20 and data["memory_source"] == "host_peak_rss"
    config = TrainConfig(8, 10, 2, 1, (32, 32), 200)
    assert data["predicted_time_s"] == predicted_for_config(profile, config).time_s
    assert data["compile_cache_hit"] is False
    [stored] = load_profile_file(profile_path("tiny")).section("mjx").verified_runs
    assert stored.measured_time_s == data["measured_time_s"] and stored.num_minibatches == 2
    shown = run_cli("validate", "--profile", "tiny")
    assert shown.returncode == 0 and "verified runs" in shown.stdout
    assert "8 envs x 10 steps, 2 minibatches, 1 epochs" in " ".join(shown.stdout.split())
    listed = json.loads(run_cli("validate", "--profile", "tiny", "--json").stdout)["verified_runs"]["mjx"]
    assert listed[0]["measured_time_s"] == data["measured_time_s"]
    assert listed[0]["time_error"] == pytest.approx((data["predicted_time_s"] - data["measured_time_s"])
                                                    / data["measured_time_s"])


def _processes_with(text: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                if text.encode() in handle.read():
                    found.append(int(entry))
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.slow
def test_ctrl_c_during_verify_leaves_the_profile_intact(advisor_home):
    tiny_profile()
    before = profile_path("tiny").read_bytes()
    progress = advisor_home / "runs" / "tiny" / "verify" / "progress.txt"
    proc = subprocess.Popen([sys.executable, "-m", "advisor", "verify", "--profile", "tiny", "--target", "200",
                             "--num-envs", "8", "--num-minibatches", "2"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not (progress.exists() and "compile" in progress.read_text()):  # the child is compiling
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "profile tiny is unchanged" in err
    assert profile_path("tiny").read_bytes() == before
    assert not _processes_with(str(advisor_home / "runs" / "tiny" / "verify" / "verify.spec.json"))


@given(st.builds(
    VerifiedRun, created=st.just("2026-12-01T10:00:00+00:00"), target_steps=st.integers(1, 10**12),
    num_envs=st.integers(1, 2**20), num_steps=st.integers(1, 1000), num_minibatches=st.integers(1, 4096),
    update_epochs=st.integers(1, 64), num_updates=st.integers(1, 10**6), env_steps=st.integers(1, 10**12),
    measured_time_s=st.floats(0, 1e7), measured_compile_s=st.floats(0, 1e5), measured_run_s=st.floats(0, 1e7),
    measured_train_sps=st.floats(1e-3, 1e9), source=st.sampled_from(["recommended", "given"]),
    hidden_layers=st.lists(st.integers(1, 4096), max_size=3).map(tuple),
    predicted_time_s=st.none() | st.floats(1e-3, 1e7), predicted_train_sps=st.none() | st.floats(1e-3, 1e9),
    peak_bytes=st.none() | st.integers(1, 2**40), compile_cache_hit=st.booleans(), device=st.text(max_size=12)))
@settings(max_examples=40, deadline=None)
def test_generated_verified_runs_round_trip(run):
    from profiler.store import profile_from_json_text, profile_to_json_text

    profile = catalog.load_shipped("epyc-2core-cpu-humanoid")
    section = profile.section("mjx")
    with_run = profile.with_section("mjx", dataclasses.replace(section, verified_runs=(run, run)))
    text = profile_to_json_text(with_run)
    again = profile_from_json_text(text, "fuzz.json")
    assert again == with_run and profile_to_json_text(again) == text
