"""The RLlib kind in ``advisor report``: dashboard panels (env steps/s against env runners with
the fitted USL curve and its interval; speedup against total envs with the ideal line; parallel
efficiency of each measured config over the source's rating bands; seconds per iteration split
into sampling and learner update; the fit in words in a spare slot) and the text report's lines.
Speedup and efficiency follow the source write-up's definitions (see :mod:`models.scaling`);
measured configs that the write-up also ran are set beside its numbers."""

from __future__ import annotations

import numpy as np

from advisor.workload import Panel
from models.scaling import RATING_BANDS, scaling_figures
from models.workers import WorkerCurves, fit_workers
from profiler.kinds.rllib.schema import RllibSection

#: Panel titles (tests and the text report refer to them).
TITLES = {
    "throughput": "RLlib env steps/s vs env runners",
    "speedup": "speedup vs total envs (1r x 1e baseline)",
    "efficiency": "parallel efficiency (speedup / total envs)",
    "iteration": "seconds per training iteration",
    "summary": "scaling fit summary",
}
BAND_COLOURS = {"excellent": "#2e7d32", "good": "#9ccc65", "acceptable": "#ffb300", "poor": "#e53935"}
#: The source write-up's table (i7-12700, 16 threads; HalfCheetah-v5): config -> (speedup, efficiency).
SOURCE_TABLE = {(2, 1): (1.72, 0.862), (4, 1): (2.68, 0.670), (8, 1): (4.12, 0.515), (8, 2): (5.76, 0.360),
                (1, 2): (1.568, 0.784)}


def dashboard_panels(section: RllibSection) -> list[Panel]:
    if not section.ok_points:
        return []
    curves = fit_workers(section)
    panels = [Panel(key, TITLES[key], lambda ax, draw=draw: draw(ax, section, curves))
              for key, draw in (("throughput", _throughput), ("speedup", _speedup), ("efficiency", _efficiency))]
    if any(p.iter_s for p in section.ok_points):
        panels.append(Panel("iteration", TITLES["iteration"], lambda ax: _iteration(ax, section, curves)))
    return panels


def filler_panel(section: RllibSection) -> Panel | None:
    """The fit in words, for a spare slot of the dashboard's grid."""
    if not section.ok_points:
        return None
    curves = fit_workers(section)
    return Panel("summary", TITLES["summary"], lambda ax: _summary(ax, curves))


def report_lines(section: RllibSection) -> list[str]:
    return rllib_lines(section, fit_workers(section))


def _summary(ax, curves) -> None:
    """The fit in words, in a spare grid slot."""
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
    figures = [scaling_figures(p.env_steps_per_s, base.env_steps_per_s, p.total_envs) for p in points]
    effs = [e for _s, e, _rate in figures]
    ax.bar([p.label for p in points], effs, color=[BAND_COLOURS[rate] for _s, _e, rate in figures],
           label="measured efficiency")
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


def _fmt(value: float | None, spec: str, default: str = "-") -> str:
    return default if value is None else format(value, spec)


def rllib_lines(section: RllibSection, curves: WorkerCurves) -> list[str]:
    w = section.workload
    lines = ["== RLlib PPO scaling ==",
             f"workload: PPO on {w.env_id}, lr {w.lr:g}, lambda {w.lambda_:g}, num_epochs {w.num_epochs}, "
             f"train_batch_size_per_learner {w.train_batch_size_per_learner}, minibatch_size {w.minibatch_size}, "
             f"model {list(w.fcnet_hiddens)} {w.fcnet_activation}, num_learners {w.num_learners}",
             ("Ray: not recorded (imported measurements), " if section.method.startswith("imported") else
              f"Ray: {'cluster ' + section.address if section.address else 'local session per point'}, ")
             + f"{_fmt(section.ray_cpus, 'g', 'unknown')} CPUs, {section.driver_cpus:g} held back for the driver",
             f"method: {section.method or 'not recorded'}", "",
             "measured (env steps/s = median of timed iterations; speedup = baseline time / time; "
             "efficiency = speedup / total envs):",
             f"{'config':<10}{'envs':>5}{'CPUs/r':>7}{'env steps/s':>13}{'iter_s':>8}{'sample_s':>9}{'learner_s':>10}"
             f"{'speedup':>9}{'efficiency':>11}  rating"]
    base = section.point(1, 1)
    for p in sorted(section.points, key=lambda p: (p.total_envs, p.num_envs_per_env_runner)):
        if not p.ok:
            lines.append(f"{p.label:<10}{p.total_envs:>5}  {p.status}: {(p.error or '')[:80]}")
            continue
        s = e = rate = None
        if base is not None and base.ok:
            s, e, rate = scaling_figures(p.env_steps_per_s, base.env_steps_per_s, p.total_envs)
        lines.append(f"{p.label:<10}{p.total_envs:>5}{_fmt(p.num_cpus_per_env_runner, 'g'):>7}"
                     f"{p.env_steps_per_s:>13,.0f}{_fmt(p.iter_s, '.2f'):>8}"
                     f"{_fmt(p.sample_s, '.2f'):>9}{_fmt(p.learner_s, '.2f'):>10}{_fmt(s, '.2f'):>8}x"
                     f"{_fmt(e, '.1%'):>11}  {rate or '-'}")
    lines += [""] + fit_lines(curves) + (prediction_lines(curves) if curves.model is not None else [])
    return lines + _finding_lines(section)


def fit_lines(curves: WorkerCurves) -> list[str]:
    if curves.model is None:
        return ["scaling fit: none (" + "; ".join(curves.notes) + ")"]
    usl = curves.model.usl_
    iv = usl.intervals_
    lines = [f"scaling fit (Universal Scalability Law at {curves.model.primary_envs_} env/runner, chosen form: "
             f"{usl.form_}): X(N) = lambda N / (1 + sigma (N-1) + kappa N (N-1))",
             f"  lambda = {usl.lambda_:,.1f} env steps/s (90% interval {iv['lambda'][0]:,.1f}-{iv['lambda'][1]:,.1f})",
             f"  sigma  = {usl.sigma_:.4f} ({iv['sigma'][0]:.4f}-{iv['sigma'][1]:.4f})  contention (serial fraction)",
             f"  kappa  = {usl.kappa_:.5f} ({iv['kappa'][0]:.5f}-{iv['kappa'][1]:.5f})  coherency (crosstalk)"]
    if usl.sigma_ >= 1:
        lines.append("  all of the work is serial (sigma = 1): one runner is as fast as it gets, and more runners "
                     + ("lose throughput to crosstalk" if usl.kappa_ > 0 else "do not raise throughput"))
    elif usl.peak_runners_ is not None:
        band = (f" (90% interval {usl.peak_runners_interval_[0]:.1f}-{usl.peak_runners_interval_[1]:.1f})"
                if usl.peak_runners_interval_ else "")
        lines.append(f"  peak throughput at N* = sqrt((1-sigma)/kappa) = {usl.peak_runners_:.1f} runners{band}")
    else:
        lines.append("  no coherency term fitted: no peak; throughput keeps rising" +
                     (f" towards lambda/sigma = {usl.ceiling_env_steps_per_s:,.0f} env steps/s"
                      if usl.ceiling_env_steps_per_s else ""))
    for e, pairs in curves.model.envs_effect_.items():
        effect = ", ".join(f"{m:.2f}x at {r} runner{'s' if r != 1 else ''}" for r, m in pairs)
        lines.append(f"  {e} envs per runner vs {curves.model.primary_envs_}: {effect}")
    lines += [f"  note: {n}" for n in curves.notes]
    return lines


def prediction_lines(curves: WorkerCurves) -> list[str]:
    """What advisor answers at each runner count the profile's CPUs allow, with 90% intervals for
    what a run would measure (the fit's parameter uncertainty plus run-to-run spread); a measured
    setting answers with its measurement, as recommend and predict do
    (:func:`advisor.kinds.rllib.recommend.rllib_figures`)."""
    from advisor.kinds.rllib.recommend import candidate_runners, rllib_figures

    keys = [(r, e) for e in curves.model.envs_per_runner_ for r in candidate_runners(curves)]
    lines = ["", "answers (90% intervals; m = measured, the fit's own figure in brackets; * = outside the measured "
                 "runner counts):",
             f"{'config':<10}{'env steps/s':>13}{'90% interval':>20}{'speedup':>9}{'90% interval':>15}"
             f"{'efficiency':>11}{'90% interval':>17}  rating"]
    for f in rllib_figures(curves, keys):
        r, e = f.key
        row = f"{f'{r}r x {e}e':<10}{f.env_steps_per_s:>13,.0f}{f.low:>11,.0f}-{f.high:<8,.0f}"
        if f.speedup is not None:
            row += (f"{f.speedup:>8.2f}x{f.speedup_low:>8.2f}-{f.speedup_high:<6.2f}"
                    f"{f.efficiency:>11.1%}{f.efficiency_low:>9.1%}-{f.efficiency_high:<7.1%}  {f.rating}")
        lines.append(row.rstrip() + (f" m (fit {f.fit:,.0f})" if f.measured else "") + (" *" if f.extrapolated else ""))
    return lines


def _finding_lines(section: RllibSection) -> list[str]:
    base = section.point(1, 1)
    if base is None or not base.ok:
        return []
    eff = {p.key: scaling_figures(p.env_steps_per_s, base.env_steps_per_s, p.total_envs)[1] for p in section.ok_points}
    lines = [""]
    for (r, e), value in sorted(eff.items()):
        if e > 1 and (r * e, 1) in eff:
            other = eff[(r * e, 1)]
            better = "more runners" if other > value else "more envs per runner"
            lines.append(f"finding: at {r * e} total envs, {r * e}r x 1e is {other:.1%} efficient and {r}r x {e}e "
                         f"{value:.1%}: {better} scales better here")
    shared = [k for k in SOURCE_TABLE if k in eff]
    if shared:
        lines += ["", "against the source write-up (i7-12700, 16 threads, train batch 16384; efficiency):"]
        lines += [f"  {r}r x {e}e: here {eff[(r, e)]:.1%}, source {SOURCE_TABLE[(r, e)][1]:.1%}" for r, e in shared]
    return lines
