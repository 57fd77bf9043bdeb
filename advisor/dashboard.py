"""The dashboard figure of a profile (matplotlib, Agg): RLlib scaling panels and MJX curves.

RLlib panels: env steps/s against env runners with the fitted USL curve and its interval;
speedup against total envs with the ideal line; parallel efficiency of each measured config
over the source's rating bands; seconds per iteration split into sampling and learner update.
MJX panels (when the profile has an MJX section): train_sps against num_envs with its fitted
curve, and peak memory against num_envs when it was measured. Every panel is titled; measured
series are labelled ``measured, ...`` so their data can be read back from the figure. Builds a
figure and returns it; saving is the caller's.
"""

from __future__ import annotations

import numpy as np

from models.vectorised import fit_vectorised
from models.workers import fit_workers
from models.scaling import RATING_BANDS, rating
from profiler.kinds.mjx.schema import MjxSection
from profiler.profile import Profile
from profiler.kinds.rllib.schema import RllibSection

#: Panel titles (tests and the text report refer to them).
TITLES = {
    "throughput": "RLlib env steps/s vs env runners",
    "speedup": "speedup vs total envs (1r x 1e baseline)",
    "efficiency": "parallel efficiency (speedup / total envs)",
    "iteration": "seconds per training iteration",
    "mjx_throughput": "MJX train_sps vs num_envs",
    "mjx_memory": "MJX peak memory vs num_envs",
    "summary": "scaling fit summary",
}
BAND_COLOURS = {"excellent": "#2e7d32", "good": "#9ccc65", "acceptable": "#ffb300", "poor": "#e53935"}


def build_dashboard(profile: Profile):
    """A matplotlib Figure with every panel the profile has data for."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = []
    if profile.section("rllib") is not None and profile.section("rllib").ok_points:
        panels += [("throughput", _throughput), ("speedup", _speedup), ("efficiency", _efficiency)]
        if any(p.iter_s for p in profile.section("rllib").ok_points):
            panels.append(("iteration", _iteration))
    if profile.section("mjx") is not None and profile.section("mjx").ok_points:
        panels.append(("mjx_throughput", _mjx_throughput))
        if any(p.peak_bytes for p in profile.section("mjx").ok_points):
            panels.append(("mjx_memory", _mjx_memory))
    if not panels:
        raise ValueError(f"profile {profile.name!r} has no successful measurements to draw")
    rows = (len(panels) + 1) // 2
    fig, axes = plt.subplots(rows, 2, figsize=(13, 4.4 * rows), squeeze=False)
    curves = fit_workers(profile.section("rllib")) if profile.section("rllib") is not None and profile.section("rllib").ok_points else None
    for ax, (key, draw) in zip(axes.flat, panels):
        ax.set_title(TITLES[key])
        if key.startswith("mjx"):
            draw(ax, profile.section("mjx"))
        else:
            draw(ax, profile.section("rllib"), curves)
        ax.grid(True, alpha=0.3)
    spare = list(axes.flat)[len(panels):]
    if spare and curves is not None:
        _summary(spare.pop(0), curves)
    for ax in spare:
        fig.delaxes(ax)
    fig.suptitle(f"{profile.name}: {profile.hardware.summary} ({profile.source})", fontsize=13)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return fig


def _summary(ax, curves) -> None:
    """The fit in words, in a spare grid slot."""
    from advisor.text_report import fit_lines

    ax.set_title(TITLES["summary"])
    ax.axis("off")
    import textwrap

    text = "\n".join(textwrap.fill(line.strip(), 72, subsequent_indent="  ") for line in fit_lines(curves))
    ax.text(0.0, 1.0, text, va="top", ha="left", fontsize=8.5, family="monospace", transform=ax.transAxes)


def _by_envs(section: RllibSection) -> dict[int, list]:
    groups: dict[int, list] = {}
    for p in section.ok_points:
        groups.setdefault(p.num_envs_per_env_runner, []).append(p)
    return {e: sorted(ps, key=lambda p: p.num_env_runners) for e, ps in sorted(groups.items())}


def _throughput(ax, section: RllibSection, curves) -> None:
    groups = _by_envs(section)
    for i, (e, points) in enumerate(groups.items()):
        ax.plot([p.num_env_runners for p in points], [p.env_steps_per_s for p in points], "o", color=f"C{i}",
                label=f"measured, {e} env/runner")
    model = curves.model
    if model is not None:
        top = max(max(p.num_env_runners for p in section.ok_points),
                  int((section.ray_cpus or 0) - section.driver_cpus))
        r = np.linspace(1, max(top, 2), 200)
        usl = model.usl_
        for i, e in enumerate(groups):
            x = np.stack([r, np.full_like(r, e)], axis=1)
            if e == model.primary_envs_:
                low, high = model.predict_interval(x)
                ax.fill_between(r, low, high, color=f"C{i}", alpha=0.15, label="90% interval")
                ax.plot(r, model.predict(x), "-", color=f"C{i}",
                        label=f"USL fit ({usl.form_}): sigma={usl.sigma_:.3f}, kappa={usl.kappa_:.4f}")
            else:
                ax.plot(r, model.predict(x), "--", color=f"C{i}", label=f"fit x envs effect, {e} env/runner")
        if usl.peak_runners_ is not None and usl.peak_runners_ <= r[-1]:
            ax.axvline(usl.peak_runners_, color="grey", ls=":", label=f"peak N* = {usl.peak_runners_:.1f}")
    ax.set_xlabel("num_env_runners")
    ax.set_ylabel("env steps/s")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)


def _speedup(ax, section: RllibSection, curves) -> None:
    model = curves.model
    base = section.point(1, 1)
    baseline = base.env_steps_per_s if base is not None and base.ok else (
        model.baseline_env_steps_per_s_ if model is not None else None)
    if baseline is None:
        ax.text(0.5, 0.5, "no 1 env per runner point: no baseline", ha="center", transform=ax.transAxes)
        return
    groups = _by_envs(section)
    most = max(p.total_envs for p in section.ok_points)
    ax.plot([1, most], [1, most], "k--", lw=1, label="ideal (speedup = total envs)")
    for i, (e, points) in enumerate(groups.items()):
        ax.plot([p.total_envs for p in points], [p.env_steps_per_s / baseline for p in points], "o-", color=f"C{i}",
                label=f"measured, {e} env/runner")
    if model is not None and model.baseline_env_steps_per_s_ is not None:
        e = model.primary_envs_
        r = np.linspace(1, max(most // e, 2), 100)
        ax.plot(r * e, model.speedup(np.stack([r, np.full_like(r, e)], axis=1)), "-", color="grey", alpha=0.6,
                label=f"USL fit, {e} env/runner")
    ax.set_xlabel("total envs (runners x envs per runner)")
    ax.set_ylabel("speedup over 1r x 1e")
    ax.legend(fontsize=8)


def _efficiency(ax, section: RllibSection, curves) -> None:
    base = section.point(1, 1)
    if base is None or not base.ok:
        ax.text(0.5, 0.5, "1r x 1e was not measured: no efficiency", ha="center", transform=ax.transAxes)
        return
    bounds = [1.05] + [low for low, _ in RATING_BANDS]
    for (low, name), high in zip(RATING_BANDS, bounds):
        ax.axhspan(low, high, color=BAND_COLOURS[name], alpha=0.12)
        ax.text(1.0, (low + min(high, 1.05)) / 2, f" {name}", va="center", fontsize=7, transform=ax.get_yaxis_transform())
    points = sorted(section.ok_points, key=lambda p: (p.total_envs, p.num_envs_per_env_runner))
    effs = [p.env_steps_per_s / base.env_steps_per_s / p.total_envs for p in points]
    ax.bar([p.label for p in points], effs, color=[BAND_COLOURS[rating(e)] for e in effs], label="measured efficiency")
    for i, e in enumerate(effs):
        ax.text(i, e + 0.01, f"{e:.0%}", ha="center", fontsize=8)
    ax.set_ylim(0, max(1.05, max(effs) + 0.08))
    ax.set_ylabel("efficiency (fraction)")
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)


def _iteration(ax, section: RllibSection, curves) -> None:
    points = [p for p in section.ok_points if p.iter_s]
    labels = [p.label for p in points]
    sample = [p.sample_s or 0.0 for p in points]
    learner = [p.learner_s or 0.0 for p in points]
    if any(sample) or any(learner):
        ax.bar(labels, sample, label="sampling (+ bookkeeping)", color="C0")
        ax.bar(labels, learner, bottom=sample, label="learner update", color="C1")
    ax.plot(labels, [p.iter_s for p in points], "k_", markersize=18, mew=2, label="measured, time_this_iter_s")
    ax.set_ylabel("seconds")
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    ax.legend(fontsize=8)


def _mjx_throughput(ax, section: MjxSection) -> None:
    ok = section.ok_points
    ax.plot([p.num_envs for p in ok], [p.train_sps for p in ok], "o", label="measured, train_sps")
    curves = fit_vectorised(section)
    if curves.throughput is not None:
        n = np.geomspace(ok[0].num_envs, ok[-1].num_envs, 200)
        low, high = curves.throughput.predict_interval(n)
        ax.fill_between(n, low, high, alpha=0.15, label="90% interval")
        ax.plot(n, curves.throughput.predict(n), "-", label=f"fit ({curves.throughput.form_})")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("num_envs")
    ax.set_ylabel("env steps/s")
    ax.legend(fontsize=8)


def _mjx_memory(ax, section: MjxSection) -> None:
    ok = [p for p in section.ok_points if p.peak_bytes]
    gib = 2**30
    ax.plot([p.num_envs for p in ok], [p.peak_bytes / gib for p in ok], "o", label="measured, peak memory")
    curves = fit_vectorised(section)
    if curves.memory is not None:
        n = np.geomspace(ok[0].num_envs, ok[-1].num_envs, 100)
        ax.plot(n, curves.memory.predict(n) / gib, "-", label="fit")
        ax.plot(n, curves.memory.predict_upper(n) / gib, ":", label="upper bound")
    if section.accelerator.memory_bytes and section.accelerator.platform != "cpu":
        ax.axhline(section.accelerator.memory_bytes / gib, color="k", ls="--", label="device capacity")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("num_envs")
    ax.set_ylabel("GiB")
    ax.legend(fontsize=8)
