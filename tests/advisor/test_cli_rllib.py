"""The RLlib commands as a user runs them: CSV import, predict, recommend, report, one-line errors."""

import json

import pytest
import yaml

from tests.conftest import ROOT, one_line_error, run_cli

WRITEUP_CSV = ROOT / "benchmarks" / "data" / "rllib-writeup-i7-12700.csv"


def import_writeup(name="writeup"):
    proc = run_cli("profile", "import", str(WRITEUP_CSV), "--kind", "rllib", "--name", name,
                   "--device-name", "Intel Core i7-12700", "--cpus", "16")
    assert proc.returncode == 0, proc.stderr
    return proc


def test_import_then_predict_follows_the_design_contract():
    import_writeup()
    proc = run_cli("predict", "--profile", "writeup", "--runners", "1,4,15", "--envs-per-runner", "1", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    # the contract's keys come first, in order; "extrapolated" is added after them
    assert [list(r)[:5] for r in rows] == [["num_env_runners", "num_envs_per_env_runner", "env_steps_per_s", "speedup",
                                            "efficiency"]] * 3
    assert [r["extrapolated"] for r in rows] == [False, False, True]  # 15 runners is beyond the measured 8
    assert [r["num_env_runners"] for r in rows] == [1, 4, 15]
    assert rows[0]["speedup"] == pytest.approx(1.0) and rows[0]["efficiency"] == pytest.approx(1.0)
    assert abs(rows[1]["env_steps_per_s"] / 2680 - 1) < 0.1  # 4 runners were measured at 2,680 (1000 x 2.68)
    assert rows[2]["efficiency"] < 0.5  # the write-up's 8 runners were already at 51.5%
    # after the contract's keys: 90% intervals, each holding its prediction; 1r x 1e's speedup is exactly 1
    assert list(rows[0])[5:] == ["extrapolated", "env_steps_per_s_low", "env_steps_per_s_high", "speedup_low",
                                 "speedup_high", "efficiency_low", "efficiency_high", "rating", "measured",
                                 "fit_env_steps_per_s"]
    # a measured setting answers with its measurement, the fit's figure beside it
    assert rows[1]["measured"] and rows[1]["env_steps_per_s"] == 2680 and not rows[2]["measured"]
    assert rows[1]["rating"] == "good" and rows[1]["efficiency"] == pytest.approx(0.67)  # the write-up's 67.0%
    for r in rows:
        for name in ("env_steps_per_s", "speedup", "efficiency"):
            assert r[f"{name}_low"] <= r[name] <= r[f"{name}_high"]
    assert rows[0]["speedup_low"] == rows[0]["speedup_high"] == pytest.approx(1.0)
    assert rows[1]["env_steps_per_s_low"] <= 2680 <= rows[1]["env_steps_per_s_high"]
    # extrapolated to 15 runners the interval is wider than at the measured 4
    assert (rows[2]["speedup_high"] / rows[2]["speedup_low"]) > (rows[1]["speedup_high"] / rows[1]["speedup_low"])
    human = run_cli("predict", "--profile", "writeup", "--runners", "4", "--envs-per-runner", "1,2")
    assert human.returncode == 0 and "90% interval" in human.stdout
    shown = json.loads(run_cli("profile", "show", "writeup", "--json").stdout)
    assert shown["rllib"]["ray_cpus"] == 16 and shown["hardware"]["cpu_logical_cores"] == 16
    assert len(shown["rllib"]["points"]) == 6 and shown["mjx"] is None


def test_recommend_kind_rllib_prints_snippet_and_yaml(tmp_path):
    import_writeup()
    proc = run_cli("recommend", "--target", "100M", "--kind", "rllib", "--profile", "writeup", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    chosen = data["chosen"]
    assert chosen["num_env_runners"] == 15 and chosen["num_cpus_per_env_runner"] == 1.0
    conf = yaml.safe_load(data["yaml"])
    assert conf["env_runners"]["num_env_runners"] == 15
    assert "PPOConfig()" in data["python"] and "num_env_runners=15" in data["python"]
    assert chosen["time_s"] == pytest.approx(chosen["env_steps"] / chosen["env_steps_per_s"])  # no start-up measured
    human = run_cli("recommend", "--target", "100M", "--kind", "rllib", "--profile", "writeup", "--objective", "efficiency")
    assert human.returncode == 0, human.stderr
    assert "# --- as PPOConfig calls ---" in human.stdout and "env_runners:" in human.stdout
    assert "chosen as the most env steps/s per CPU" in human.stdout
    out_py, out_yaml = tmp_path / "ppo.py", tmp_path / "ppo.yaml"
    for out in (out_py, out_yaml):
        assert run_cli("recommend", "--target", "1B", "--kind", "rllib", "--profile", "writeup", "-o", str(out)).returncode == 0
    compile(out_py.read_text(), str(out_py), "exec")
    assert yaml.safe_load(out_yaml.read_text())["stop"]["num_env_steps_sampled_lifetime"] == 1_000_000_000


def test_validate_an_rllib_profile_reports_interval_coverage():
    import_writeup()
    proc = run_cli("validate", "--profile", "writeup", "--json")
    assert proc.returncode == 0, proc.stderr
    [curve] = json.loads(proc.stdout)["curves"]
    assert curve["kind"] == "rllib" and curve["confidence"] == 0.9 and len(curve["rows"]) == 6
    assert curve["coverage"] == 1.0 and curve["worst_abs_error_interior"] <= 0.10
    row = next(r for r in curve["rows"] if (r["num_env_runners"], r["num_envs_per_env_runner"]) == (4, 1))
    assert row["interior"] and row["inside"] and row["low"] <= 2680 <= row["high"]
    human = run_cli("validate", "--profile", "epyc-2core-cpu-halfcheetah")
    assert human.returncode == 0, human.stderr
    assert "inside their 90% interval: 88% of held-out points" in human.stdout and "NO" in human.stdout


def test_report_writes_the_dashboard_and_text(tmp_path):
    import_writeup()
    proc = run_cli("report", "--profile", "writeup", "-o", str(tmp_path / "report"), "--json")
    assert proc.returncode == 0, proc.stderr
    paths = json.loads(proc.stdout)
    png = tmp_path / "report" / "writeup-dashboard.png"
    assert paths["dashboard_png"] == str(png) and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PIL import Image

    with Image.open(png) as image:
        assert image.size[0] > 1000 and image.size[1] > 700
    assert "parallel efficiency (speedup / total envs)" in paths["panels"]
    text = (tmp_path / "report" / "writeup-report.txt").read_text()
    assert "8r x 1e: here 51.5%, source 51.5%" in text
    assert "answers (90% intervals" in text and "15r x 1e" in text


def test_rllib_bad_input_is_one_line_exit_2(tmp_path):
    import_writeup()
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("num_env_runners,num_envs_per_env_runner,env_steps_per_s\n1,1,100\n1,1,120\n")
    cases = [
        (("calibrate", "rllib", "--env", "HalfCheeta-v5"), "did you mean HalfCheetah"),
        (("calibrate", "rllib", "--runners", "1,8", "--cpus-per-runner", "1", "--envs-per-runner", "1"), "wait for ever"),
        (("calibrate", "rllib", "--runners", "1,x"), "whole number"),
        (("calibrate", "rllib", "--minibatch-size", "5000", "--train-batch", "4096"), "larger than the train batch"),
        (("predict", "--profile", "writeup", "--runners", "1,2", "--envs-per-runner", "4"), "no measurements at 4 envs"),
        (("predict", "--profile", "writeup"), "--runners"),
        (("predict", "--profile", "rtx3070-locomujoco", "--runners", "2"), "no RLlib measurements"),
        (("recommend", "--target", "100M", "--kind", "rllib", "--profile", "rtx3070-locomujoco"), "no rllib measurements"),
        (("recommend", "--target", "100M", "--kind", "ray"), "--kind"),
        (("recommend", "--target", "100M", "--kind", "rllib", "--profile", "writeup", "--objective", "efficient"),
         "throughput, efficiency"),
        (("recommend", "--target", "100M", "--kind", "rllib", "--base", "conf.yaml"), "--kind mjx only"),
        (("profile", "import", str(bad_csv), "--kind", "rllib", "--name", "bad"), "row 3"),
        (("report", "--profile", "nope", "-o", str(tmp_path)), "no profile named"),
        (("calibrate", "rllib", "--runners", ""), "needs at least one value"),
        # the one kind of the profile is the default --kind, so an MJX option is refused for it
        (("recommend", "--target", "100M", "--profile", "writeup", "--min-updates", "5"), "--kind mjx only"),
        (("recommend", "--target", "100M", "--kind", "rllib", "--profile", "writeup", "-o", str(tmp_path)),
         "is a folder"),
    ]
    for args, expected in cases:
        line = one_line_error(run_cli(*args))
        assert expected in line, (args, line)


def test_recommend_without_kind_takes_the_one_kind_a_profile_holds():
    import_writeup()
    inferred = run_cli("recommend", "--target", "100M", "--profile", "writeup", "--json")
    given = run_cli("recommend", "--target", "100M", "--profile", "writeup", "--kind", "rllib", "--json")
    assert inferred.returncode == given.returncode == 0, inferred.stderr
    assert json.loads(inferred.stdout) == json.loads(given.stdout) and "num_env_runners" in inferred.stdout


def test_without_profile_an_unusable_local_sweep_is_passed_over(advisor_home):
    """A sweep interrupted before two points finished cannot be fitted: the default rule goes on
    to a usable profile instead of choosing it and failing."""
    import dataclasses

    from advisor import catalog, kinds
    from profiler.hardware import fingerprint
    from profiler.kinds.rllib.schema import RllibPoint, RllibSection, RllibWorkload
    from profiler.profile import Profile
    from profiler.store import save_profile

    here = fingerprint()
    workload = RllibWorkload()
    good = RllibSection(workload=workload, ray_cpus=2, points=(
        RllibPoint(num_env_runners=1, num_envs_per_env_runner=1, env_steps_per_s=500.0, env_steps_per_s_samples=(500.0,)),
        RllibPoint(num_env_runners=2, num_envs_per_env_runner=1, env_steps_per_s=900.0, env_steps_per_s_samples=(900.0,))))
    broken = dataclasses.replace(good, points=(
        RllibPoint(num_env_runners=1, num_envs_per_env_runner=1, status="interrupted"),))
    save_profile(Profile(name="good", source="calibrated", created="2026-01-01T00:00:00+00:00", hardware=here, sections={"rllib": good}))
    save_profile(Profile(name="newer-broken", source="calibrated", created="2026-06-01T00:00:00+00:00", hardware=here,
                         sections={"rllib": broken}))
    profile, origin, why = catalog.default_profile(kinds.get("rllib"), here)
    assert (profile.name, origin, why) == ("good", "local", "calibrated on this machine")
    proc = run_cli("recommend", "--target", "100M", "--kind", "rllib", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["profile"] == "good"


def test_a_fresh_machine_gets_the_shipped_rllib_default():
    proc = run_cli("recommend", "--target", "100M", "--kind", "rllib", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["profile"] == "epyc-2core-cpu-halfcheetah" and "shipped default" in data["profile_note"]
    # measured on 2 cores: one CPU for the driver, so the runners share the other
    assert data["chosen"]["num_cpus_per_env_runner"] < 1
    assert data["chosen"]["num_env_runners"] * data["chosen"]["num_cpus_per_env_runner"] <= 1.0 + 1e-9
