"""The text report of a profile: what was measured, how, the scaling fit and what it means.

Pure: returns lines. Speedup and efficiency follow the source write-up's definitions (see
:mod:`models.scaling`); measured configs that the write-up also ran are set beside its numbers.
"""

from __future__ import annotations

from models.vectorised import fit_vectorised
from models.workers import WorkerCurves, fit_workers
from models.scaling import efficiency, rating, speedup
from profiler.profile import Profile
from profiler.kinds.rllib.schema import RllibSection

#: The source write-up's table (i7-12700, 16 threads; HalfCheetah-v5): config -> (speedup, efficiency).
SOURCE_TABLE = {(2, 1): (1.72, 0.862), (4, 1): (2.68, 0.670), (8, 1): (4.12, 0.515), (8, 2): (5.76, 0.360),
                (1, 2): (1.568, 0.784)}


def report_lines(profile: Profile) -> list[str]:
    lines = [f"advisor report: {profile.name} ({profile.source}, created {profile.created or 'unknown'})",
             f"hardware: {profile.hardware.summary}"]
    if profile.software:
        lines.append("software: " + ", ".join(f"{k} {v}" for k, v in sorted(profile.software.items())))
    lines += [f"note: {n}" for n in profile.notes]
    if profile.section("rllib") is not None:
        lines += [""] + rllib_lines(profile.section("rllib"), fit_workers(profile.section("rllib")))
    if profile.section("mjx") is not None:
        lines += [""] + mjx_lines(profile)
    return lines


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
        s = e = None
        if base is not None and base.ok:
            s = float(speedup(base.env_steps_per_s, p.env_steps_per_s))
            e = float(efficiency(s, p.total_envs))
        lines.append(f"{p.label:<10}{p.total_envs:>5}{_fmt(p.num_cpus_per_env_runner, 'g'):>7}"
                     f"{p.env_steps_per_s:>13,.0f}{_fmt(p.iter_s, '.2f'):>8}"
                     f"{_fmt(p.sample_s, '.2f'):>9}{_fmt(p.learner_s, '.2f'):>10}{_fmt(s, '.2f'):>8}x"
                     f"{_fmt(e, '.1%'):>11}  {rating(e) if e is not None else '-'}")
    lines += [""] + fit_lines(curves) + _finding_lines(section)
    return lines


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


def _finding_lines(section: RllibSection) -> list[str]:
    base = section.point(1, 1)
    if base is None or not base.ok:
        return []
    eff = {p.key: float(efficiency(speedup(base.env_steps_per_s, p.env_steps_per_s), p.total_envs))
           for p in section.ok_points}
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


def mjx_lines(profile: Profile) -> list[str]:
    section = profile.section("mjx")
    curves = fit_vectorised(section)
    w = section.workload
    lines = ["== MJX PPO ==",
             f"workload: {w.model}, num_steps {w.num_steps}, num_minibatches {w.num_minibatches}, update_epochs "
             f"{w.update_epochs} on {section.accelerator.name} ({section.accelerator.platform})"]
    for p in section.ok_points:
        lines.append(f"  num_envs {p.num_envs:>6}: {p.train_sps:>10,.0f} env steps/s")
    if curves.throughput is not None:
        lines.append(f"  fitted iteration-time form: {curves.throughput.form_}")
    lines += [f"  note: {n}" for n in curves.notes]
    return lines
