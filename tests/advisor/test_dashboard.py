"""The dashboard figure and text report: panels present, and the plotted numbers are the profile's."""

import numpy as np
import pytest

from advisor.dashboard import TITLES, build_dashboard
from advisor.text_report import report_lines
from models.workers import fit_workers
from profiler.kinds.mjx.schema import MjxPoint, MjxSection, MjxWorkload
from profiler.kinds.rllib.schema import RllibPoint, RllibSection, RllibWorkload
from profiler.profile import Accelerator, Profile

WRITEUP = {(1, 1): 1000, (2, 1): 1724, (4, 1): 2680, (8, 1): 4120, (8, 2): 5760, (1, 2): 1568}


def rllib_section():
    points = tuple(RllibPoint(r, e, env_steps_per_s=float(v), env_steps_per_s_samples=(float(v),),
                              iter_s=16384 / v, sample_s=0.8 * 16384 / v, learner_s=0.2 * 16384 / v)
                   for (r, e), v in WRITEUP.items())
    return RllibSection(RllibWorkload(), points=points + (RllibPoint(12, 1, status="timeout"),), ray_cpus=16.0)


def mjx_section():
    points = tuple(MjxPoint(num_envs=n, train_sps=sps, train_sps_samples=(sps,), peak_bytes=int(3e8 + 1e5 * n))
                   for n, sps in ((64, 9243.0), (256, 29527.0), (1024, 65604.0), (4096, 86197.0)))
    return MjxSection(MjxWorkload(), Accelerator("gpu", "Test GPU", 8 * 2**30), "jax_allocator_peak", points)


def axis(fig, key):
    return next(ax for ax in fig.axes if ax.get_title() == TITLES[key])


def line(ax, label):
    return next(ln for ln in ax.get_lines() if ln.get_label() == label)


def test_dashboard_panels_show_the_profiles_numbers():
    profile = Profile(name="both", sections={"rllib": rllib_section(), "mjx": mjx_section()})
    fig = build_dashboard(profile)
    titles = [ax.get_title() for ax in fig.axes]
    for key in ("throughput", "speedup", "efficiency", "iteration", "mjx_throughput", "mjx_memory"):
        assert TITLES[key] in titles
    ok = profile.section("rllib").ok_points
    # steps/s vs runners: the measured markers are the profile's points
    measured = line(axis(fig, "throughput"), "measured, 1 env/runner")
    assert list(measured.get_xdata()) == [1, 2, 4, 8]
    assert list(measured.get_ydata()) == [1000, 1724, 2680, 4120]
    assert list(line(axis(fig, "throughput"), "measured, 2 env/runner").get_ydata()) == [1568, 5760]
    # the fitted USL curve is drawn from the model fitted to the same points
    model = fit_workers(profile.section("rllib")).model
    fit_line = next(ln for ln in axis(fig, "throughput").get_lines() if ln.get_label().startswith("USL fit"))
    x, y = fit_line.get_xdata(), fit_line.get_ydata()
    assert x[0] == 1 and x[-1] == 15
    assert y == pytest.approx(model.predict(np.stack([x, np.ones_like(x)], axis=1)))
    # speedup: measured / measured 1r x 1e, against total envs, with the ideal line
    speed = line(axis(fig, "speedup"), "measured, 2 env/runner")
    assert list(speed.get_xdata()) == [2, 16]
    assert list(speed.get_ydata()) == pytest.approx([1.568, 5.76])
    assert list(line(axis(fig, "speedup"), "ideal (speedup = total envs)").get_ydata()) == [1, 16]
    # efficiency bars: speedup / total envs for every measured config, the timed-out one left out
    bars = axis(fig, "efficiency").containers[0]
    labels = [t.get_text() for t in axis(fig, "efficiency").get_xticklabels()]
    heights = dict(zip(labels, [b.get_height() for b in bars]))
    assert heights == pytest.approx({"1r x 1e": 1.0, "2r x 1e": 0.862, "1r x 2e": 0.784, "4r x 1e": 0.67,
                                     "8r x 1e": 0.515, "8r x 2e": 0.36})
    assert "12r x 1e" not in heights and len(ok) == 6
    # iteration time and MJX curves
    iters = line(axis(fig, "iteration"), "measured, time_this_iter_s")
    assert list(iters.get_ydata()) == pytest.approx([p.iter_s for p in ok])
    mjx = line(axis(fig, "mjx_throughput"), "measured, train_sps")
    assert list(mjx.get_xdata()) == [64, 256, 1024, 4096] and list(mjx.get_ydata())[-1] == 86197.0
    memory = line(axis(fig, "mjx_memory"), "measured, peak memory")
    assert list(memory.get_ydata()) == pytest.approx([(3e8 + 1e5 * n) / 2**30 for n in (64, 256, 1024, 4096)])


def test_text_report_has_the_numbers_the_fit_and_the_comparison():
    profile = Profile(name="writeup", sections={"rllib": rllib_section()})
    text = "\n".join(report_lines(profile))
    # config, total envs, CPUs per runner (not recorded in this section), env steps/s
    assert "8r x 2e      16      -        5,760" in text and "36.0%  poor" in text
    assert "2r x 1e       2      -        1,724" in text and "86.2%  excellent" in text
    assert "12r x 1e" in text and "timeout" in text
    usl = fit_workers(profile.section("rllib")).model.usl_
    assert f"sigma  = {usl.sigma_:.4f}" in text
    assert "2 envs per runner vs 1: 1.57x at 1 runner, 1.40x at 8 runners" in text
    assert "more runners scales better here" in text
    assert "8r x 1e: here 51.5%, source 51.5%" in text


def test_a_profile_without_measurements_has_no_dashboard():
    with pytest.raises(ValueError, match="no successful measurements"):
        build_dashboard(Profile(name="empty", sections={"rllib": RllibSection(RllibWorkload())}))


def test_command_panels_and_report_show_the_measured_points_fit_and_fixed_cost(tmp_path):
    from models.num_envs_curves import fit_vectorised
    from profiler.store import save_profile
    from tests.advisor.kinds.command.profiles import MEASURED, command_profile
    from tests.conftest import run_cli

    profile = command_profile("torch-ex")
    fig = build_dashboard(profile)
    suffix = " (torch-ex)"
    throughput = next(ax for ax in fig.axes if ax.get_title() == TITLES["command_throughput"] + suffix)
    measured = line(throughput, "measured, env steps/s")
    assert list(measured.get_xdata()) == [64, 256, 1024]  # the size that ran out of memory is left out
    assert list(measured.get_ydata()) == [v[0] for v in MEASURED.values()]
    curves = fit_vectorised(profile.section("command"))
    fit = next(ln for ln in throughput.get_lines() if ln.get_label().startswith("fit ("))
    assert fit.get_ydata() == pytest.approx(curves.throughput.predict(fit.get_xdata()))
    assert len(throughput.collections) == 1  # the 90% interval band
    memory = next(ax for ax in fig.axes if ax.get_title() == TITLES["command_memory"] + suffix)
    assert list(line(memory, "measured, peak memory").get_ydata()) == pytest.approx([v[2] / 2**30 for v in MEASURED.values()])
    assert {ln.get_label() for ln in memory.get_lines()} >= {"fit", "upper bound"}
    fixed = next(ax for ax in fig.axes if ax.get_title() == TITLES["command_fixed"] + suffix)
    assert list(line(fixed, "measured, fixed cost").get_ydata()) == [5.61, 5.67, 6.0]
    text = "\n".join(report_lines(profile))
    assert "num_envs   1024:    211,173 env steps/s, fixed cost 6.0s" in text
    assert "num_envs   4096: oom" in text and "out of memory from 4096 envs" in text
    assert "examples/torch_vec_reinforce.py --num-envs {num_envs}" in text
    # the command: a dashboard with the three panels, not "nothing to draw"
    save_profile(profile)
    proc = run_cli("report", "--profile", "torch-ex", "-o", str(tmp_path), "--json")
    assert proc.returncode == 0, proc.stderr
    import json

    assert json.loads(proc.stdout)["panels"] == [TITLES[k] + suffix for k in ("command_throughput", "command_memory",
                                                                              "command_fixed")]
    assert (tmp_path / "torch-ex-dashboard.png").stat().st_size > 20_000
