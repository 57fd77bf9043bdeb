"""Rich renderings of RLlib results: measured points, recommendation options, profile lines."""

from __future__ import annotations

from rich.table import Table

from advisor.console import status_cell
from advisor.console import table as new_table
from advisor.kinds.rllib.recommend import RllibRecommendation
from advisor.units import format_count, format_duration, format_range
from advisor.vectorised import measured_cell
from models.scaling import scaling_figures
from profiler.kinds.rllib.schema import RllibSection


def measured_ratios(section: RllibSection) -> dict[tuple[int, int], tuple[float, float, str]]:
    """(speedup, efficiency, rating) of each measured point over the measured 1r x 1e point, by
    :func:`models.scaling.scaling_figures` (as recommend, predict, the report and the explorer rate)."""
    base = section.point(1, 1)
    if base is None or not base.ok:
        return {}
    return {p.key: scaling_figures(p.env_steps_per_s, base.env_steps_per_s, p.total_envs) for p in section.ok_points}


def rllib_points_table(section: RllibSection, title: str | None = None) -> Table:
    title = title or "RLlib points (env steps/s; seconds per iteration)"
    table = new_table(title, ("config", "status", "env steps/s", "spread", "speedup", "efficiency", "rating", "iter_s",
                              "sample_s", "learner_s", "CPU %", "CPUs/runner", "nodes"))
    ratios = measured_ratios(section)
    for p in section.points:
        s, e, rate = ratios.get(p.key, (None, None, None))
        spread = (None if len(p.env_steps_per_s_samples) < 2 or not p.env_steps_per_s else
                  (max(p.env_steps_per_s_samples) - min(p.env_steps_per_s_samples)) / p.env_steps_per_s)
        table.add_row(
            p.label, status_cell(p),
            f"{p.env_steps_per_s:,.0f}" if p.env_steps_per_s else "-",
            f"{spread:.1%}" if spread is not None else "-",
            f"{s:.2f}x" if s is not None else "-", f"{e:.1%}" if e is not None else "-",
            rate or "-",
            *(f"{v:.2f}" if v is not None else "-" for v in (p.iter_s, p.sample_s, p.learner_s)),
            f"{p.cpu_util_percent:.0f}" if p.cpu_util_percent is not None else "-",
            f"{p.num_cpus_per_env_runner:g}" if p.num_cpus_per_env_runner else "-",
            str(p.num_nodes) if p.node_ids else "-",
        )
    return table


def rllib_options_table(rec: RllibRecommendation, limit: int = 16) -> Table:
    """The options around the chosen one (all of them when there are few)."""
    table = new_table(f"RLlib settings for {format_count(rec.target_steps)} env steps ({rec.workload.env_id})",
                      ("runners x envs", "CPUs/runner", "env steps/s", "90% interval", "speedup", "efficiency",
                       "efficiency 90%", "rating", "measured", "time to target"))
    options = list(rec.options)
    if len(options) > limit and rec.chosen is not None:
        best = sorted(options, key=lambda o: -o.env_steps_per_s)[: limit // 2]
        measured = [o for o in options if o.measured]
        keep = {id(o) for o in best + measured + [rec.chosen]}
        options = [o for o in options if id(o) in keep]
    for o in options:
        mark = "→ " if rec.chosen is not None and o is rec.chosen else ""
        table.add_row(
            f"{mark}{o.num_env_runners}r x {o.num_envs_per_env_runner}e", f"{o.num_cpus_per_env_runner:g}",
            f"{o.env_steps_per_s:,.0f}", format_range(o.env_steps_per_s_low, o.env_steps_per_s_high),
            f"{o.speedup:.2f}x" if o.speedup is not None else "-",
            f"{o.efficiency:.1%}" if o.efficiency is not None else "-",
            f"{o.efficiency_low:.1%}-{o.efficiency_high:.1%}" if o.efficiency_low is not None else "-", o.rating or "-",
            measured_cell(o.measured, o.fit_env_steps_per_s) if o.measured else ("no (extrapolated)" if o.extrapolated
                                                                                  else "no"),
            format_duration(o.time_s), style="bold green" if mark else None,
        )
    return table


def rllib_summary_lines(section: RllibSection) -> list[str]:
    w = section.workload
    where = f"cluster {section.address} ({section.num_nodes} nodes)" if section.address else "local Ray"
    cpus = f"{section.ray_cpus:g} CPUs" if section.ray_cpus else "CPUs unknown"
    lines = [f"rllib: PPO on {w.env_id}, lr {w.lr:g}, lambda {w.lambda_:g}, num_epochs {w.num_epochs}, train batch "
             f"{w.train_batch_size_per_learner}, minibatch {w.minibatch_size}, model {list(w.fcnet_hiddens)} "
             f"{w.fcnet_activation}; {where}, {cpus}, {section.driver_cpus:g} for the driver"]
    if section.method:
        lines.append(f"method: {section.method}")
    return lines


def validation_tables(validations: list) -> list[tuple[Table, str]]:
    """``advisor validate``'s table and summary line for RLlib env steps/s over runners: each
    measured config predicted by the scaling model fitted to the others."""
    result = []
    for c in validations:
        table = new_table(f"{c.curve} ({c.form} USL form): leave-one-out",
                          ("config", "measured", "predicted", "error", f"{c.confidence:.0%} interval", "inside",
                           "efficiency measured", "predicted", "interior", "form of the rest"))
        for r in c.rows:
            table.add_row(f"{r.num_env_runners}r x {r.num_envs_per_env_runner}e", f"{r.measured:,.0f}",
                          f"{r.predicted:,.0f}", f"{r.error:+.1%}", format_range(r.low, r.high),
                          "yes" if r.inside else "NO",
                          "-" if r.efficiency_measured is None else f"{r.efficiency_measured:.1%}",
                          "-" if r.efficiency_predicted is None else f"{r.efficiency_predicted:.1%}",
                          "yes" if r.interior else "no", r.form)
        summary = (f"interior runner counts: median |error| {c.median_abs_error:.1%}, worst {c.worst_abs_error:.1%}"
                   if c.median_abs_error is not None else "no interior runner counts")
        summary += (f"; inside their {c.confidence:.0%} interval: {c.interval_coverage:.0%} of held-out points"
                    + (f" (efficiency: {c.efficiency_coverage:.0%})" if c.efficiency_coverage is not None else ""))
        result.append((table, summary))
    return result
