"""The command kind's recommendation over fitted num_envs curves: the exact command line, time to
target = fixed cost + steps / env steps/s, and the memory boundary respected."""

import pytest

from advisor.kinds.command.recommend import predict_rows, recommend_command
from models.num_envs_curves import fit_vectorised
from profiler.kinds.command.schema import CommandPoint, CommandSection, CommandWorkload
from profiler.profile import Accelerator

ARGV = ("python", "train.py", "--num-envs", "{num_envs}", "--total-timesteps", "{total_timesteps}",
        "--num-minibatches", "{num_minibatches}", "--num-steps", "{num_steps}")


def section(points, memory_bytes=8 * 2**30):
    workload = CommandWorkload(argv=ARGV, num_steps=10, minibatch_size=640, env={"WANDB_MODE": "disabled"})
    return CommandSection(workload=workload, accelerator=Accelerator("gpu", "test GPU", memory_bytes), name="train",
                          points=tuple(points), sweep_settings={"num_envs": [p.num_envs for p in points]})


def point(n, sps, peak, fixed=20.0, status="ok"):
    if status != "ok":
        return CommandPoint(num_envs=n, num_steps=10, status=status, error="RESOURCE_EXHAUSTED")
    return CommandPoint(num_envs=n, num_steps=10, train_sps=sps, train_sps_samples=(sps,), fixed_s=fixed,
                        compile_s=fixed, peak_bytes=peak, memory_source="jax_allocator_peak")


def test_the_recommendation_is_the_exact_command_with_fixed_cost_in_the_time():
    s = section([point(64, 10_000, 1 * 2**30), point(256, 38_000, 2 * 2**30), point(1024, 60_000, 5 * 2**30, 30.0),
                 point(4096, 61_000, 7 * 2**30, 40.0)])
    rec = recommend_command(fit_vectorised(s), 10_000_000, profile="p", objective="max-throughput", headroom=1.0)
    o = rec.chosen
    assert o.num_envs == 4096 or o.num_envs == 1024
    assert o.total_timesteps % (o.num_envs * 10) == 0 and o.total_timesteps >= 10_000_000
    assert o.time_s == pytest.approx(s.point(o.num_envs).fixed_s + o.total_timesteps / o.train_sps)
    minibatches = max(1, round(o.num_envs * 10 / 640))
    assert rec.argv == ("python", "train.py", "--num-envs", str(o.num_envs), "--total-timesteps",
                        str(o.total_timesteps), "--num-minibatches", str(minibatches), "--num-steps", "10")
    assert rec.command_line.startswith("WANDB_MODE=disabled python train.py --num-envs ")
    efficient = recommend_command(fit_vectorised(s), 10_000_000, profile="p", tolerance=0.05, headroom=1.0)
    assert efficient.chosen.num_envs == 1024  # within 5% of the best at a quarter of the envs


def test_predict_counts_the_same_fixed_cost_as_recommend():
    s = section([point(64, 10_000, 1 * 2**30, 10.0), point(256, 38_000, 2 * 2**30, 20.0),
                 point(1024, 60_000, 5 * 2**30, 50.0)])
    curves = fit_vectorised(s)
    rows = {r["num_envs"]: r["fixed_s"] for r in predict_rows(curves, [64, 256, 512, 1024])}
    # each measured size its own; one never measured the points' median
    assert rows == {64: 10.0, 256: 20.0, 512: 20.0, 1024: 50.0}
    rec = recommend_command(curves, 10_000_000, profile="p", objective="max-throughput", headroom=1.0)
    assert all(o.fixed_s == rows[o.num_envs] for o in rec.options if o.num_envs in rows)


def test_sizes_at_or_above_the_memory_boundary_are_never_recommended():
    s = section([point(64, 10_000, 1 * 2**30), point(256, 30_000, 2 * 2**30), point(1024, 0, 0, status="oom")])
    rec = recommend_command(fit_vectorised(s), 1_000_000, profile="p", objective="max-throughput")
    assert rec.chosen.num_envs == 256
    assert all(not o.fits for o in rec.options if o.num_envs >= 1024)


def test_one_measured_point_is_no_recommendation_with_its_reason():
    rec = recommend_command(fit_vectorised(section([point(64, 10_000, 2**30)])), 1_000_000, profile="p")
    assert rec.chosen is None and "two or more measured num_envs" in rec.reason


def test_the_script_recommend_writes_is_executable_and_runs(advisor_home, tmp_path):
    import os
    import subprocess

    from profiler.store import profile_path, save_profile
    from tests.advisor.kinds.command.profiles import command_profile
    from tests.conftest import run_cli

    save_profile(command_profile("torch-ex"), profile_path("torch-ex"))
    script = tmp_path / "run.sh"
    proc = run_cli("recommend", "--kind", "command", "--profile", "torch-ex", "--target", "1M", "-o", str(script))
    assert proc.returncode == 0, proc.stderr
    assert os.access(script, os.X_OK)
    # run as written, with its python swapped for 'echo' so it prints the command it would run
    text = script.read_text().replace("exec WANDB_MODE=disabled python ", "exec env WANDB_MODE=disabled echo ")
    script.write_text(text)
    ran = subprocess.run([str(script)], capture_output=True, text=True)
    assert ran.returncode == 0 and ran.stdout.startswith("examples/torch_vec_reinforce.py --num-envs ")


def test_a_program_that_changes_regime_is_read_between_its_measurements():
    # the silent JAX script's calibration on the 2-core VM (benchmarks/results/command_trainers.md,
    # 2026-12-06 run, calibration A): slow from 16 to 64 envs, +45% to 256, flat to 1024; the
    # program's own steady figures at the sizes between (mean of two runs) are the truth
    measured = {16: (361_625, 1.009), 64: (473_493, 1.0), 256: (685_380, 1.052), 1024: (698_245, 1.008)}
    points = [CommandPoint(num_envs=n, num_steps=32, train_sps=sps, train_sps_samples=(sps, sps * spread, sps / spread),
                           fixed_s=2.0, compile_s=2.0) for n, (sps, spread) in measured.items()]
    curves = fit_vectorised(section(points))
    assert curves.throughput.anchored_
    assert any("no curve form goes through" in note and "16%" in note for note in curves.notes)
    rows = {r["num_envs"]: r for r in predict_rows(curves, [32, 128, 512])}
    own = {32: 407_942, 128: 598_082, 512: 711_146}
    for n, truth in own.items():
        assert rows[n]["train_sps"] == pytest.approx(truth, rel=0.05)
        assert rows[n]["train_sps_low"] < truth < rows[n]["train_sps_high"]
