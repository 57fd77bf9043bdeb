"""Rich renderings of MJX results: recommendation options and measured points (validation tables
are the vectorised kinds' shared ones, :mod:`advisor.vectorised`)."""

from __future__ import annotations

from rich.table import Table

from advisor.console import status_cell
from advisor.console import table as new_table
from advisor.kinds.mjx.recommend import MjxRecommendation
from advisor.units import format_bytes, format_count, format_duration, format_range
from profiler.kinds.mjx.schema import MEMORY_SOURCES, MjxSection


def mjx_options_table(rec: MjxRecommendation) -> Table:
    table = new_table(f"configs for {format_count(rec.target_steps)} env steps ({rec.accelerator.name})",
                      ("num_envs", "num_steps", "minibatches", "train_sps (env steps/s)", "90% interval",
                       "peak memory (upper)", "PPO updates", "grad steps/update", "time to target", "extrapolated",
                       "usable"),
                      left=("extrapolated", "usable"))
    for o in rec.options:
        mark = "→ " if rec.chosen is not None and o == rec.chosen else ""
        table.add_row(
            f"{mark}{o.num_envs}", str(o.num_steps), str(o.num_minibatches), f"{o.train_sps:,.0f}",
            format_range(o.train_sps_low, o.train_sps_high),
            format_bytes(o.peak_bytes_upper) if o.peak_bytes_upper is not None else "unknown",
            f"{o.num_updates:,}", f"{o.gradient_steps_per_update:,}",
            format_duration(o.time_s) if o.num_updates else "< 1 iteration",
            extrapolated_cell(o),
            "yes" if o.excluded is None else f"no: {o.excluded}",
            style="bold green" if mark else None,
        )
    return table


def extrapolated_cell(option) -> str:
    """The axes along which an option's prediction leaves what was measured, ``measured (fit N)``
    for a config that was measured (its train_sps is the measurement, the fit's beside it), or ``no``."""
    if getattr(option, "measured", False) and option.fit_train_sps is not None:
        return f"measured (fit {option.fit_train_sps:,.0f})"
    return ", ".join(option.extrapolated_axes) or "no"


def mjx_points_table(section: MjxSection, title: str | None = None) -> Table:
    title = title or "MJX points (train_sps and physics_sps in env steps/s)"
    phased = any(getattr(p, "has_phases", False) for p in section.points)
    table = new_table(title, ("num_envs", "status", "train_sps", "spread", "physics_sps", "compile", "peak memory",
                              "XLA bytes") + (("rollout", "update (minibatches: s)") if phased else ()))
    for p in section.points:
        phases = ()
        if phased:
            phases = (f"{p.rollout_s:.3g} s" if p.rollout_s else "-",
                      ", ".join(f"{u.num_minibatches}: {u.seconds:.3g}" for u in p.update_phases) or "-")
        table.add_row(
            str(p.num_envs), status_cell(p),
            f"{p.train_sps:,.0f}" if p.train_sps else "-",
            f"{p.train_sps_spread:.1%}" if p.train_sps_spread is not None else "-",
            f"{p.physics_sps:,.0f}" if p.physics_sps else "-",
            format_duration(p.compile_s) if p.compile_s is not None else "-",
            format_bytes(p.peak_bytes) if p.peak_bytes else "-",
            format_bytes(p.xla_bytes) if p.xla_bytes else "-",
            *phases,
        )
    return table


def summary_lines(section: MjxSection) -> list[str]:
    """How the section was measured, for ``profile show``."""
    w = section.workload
    minibatches = (f"num_minibatches per point for minibatches near {w.minibatch_size}" if w.minibatch_size
                   else f"num_minibatches {w.num_minibatches}")
    lines = [f"mjx: model {w.model}, num_steps {w.num_steps}, {minibatches}, "
             f"update_epochs {w.update_epochs}, hidden_layers {list(w.hidden_layers)} on {section.accelerator.name} "
             f"({section.accelerator.platform}, {format_bytes(section.accelerator.memory_bytes)})",
             f"memory: {MEMORY_SOURCES[section.memory_source]}"]
    if w.physics:
        lines.insert(1, "physics: " + ", ".join(f"{k} {v:g}" for k, v in w.physics.items()))
    if section.method:
        lines.append(f"method: {section.method}")
    lines += noise_lines(section)
    return lines


def noise_lines(section: MjxSection) -> list[str]:
    """The gradient noise scales the calibration measured (B_simple, samples per gradient step)."""
    found = []
    for p in section.points:
        noise = getattr(p, "gradient_noise", None)
        if noise is None:
            continue
        heads = ", ".join(f"{head} {f'{e.b_simple:,.0f}' if e.b_simple is not None else 'not seen (|G|^2 <= 0)'}"
                          for head, e in (("policy", noise.policy), ("value", noise.value)))
        found.append(f"gradient noise scale B_simple at num_envs={p.num_envs} (start of training, samples per "
                     f"gradient step; minibatches of {noise.policy.b_small} against their mean over "
                     f"{noise.policy.b_big}): {heads}")
    return found
