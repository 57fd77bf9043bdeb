"""Rich renderings of core results (tables and short explanations)."""

from __future__ import annotations

from rich.table import Table

from advisor.cli.common import table as new_table
from advisor.recommend import MjxRecommendation
from advisor.units import format_bytes, format_count, format_duration, format_range
from profiler.kinds.mjx.schema import MEMORY_SOURCES, MjxSection
from profiler.profile import Profile


def mjx_options_table(rec: MjxRecommendation) -> Table:
    table = new_table(f"num_envs options for {format_count(rec.target_steps)} env steps ({rec.accelerator.name})",
                      ("num_envs", "minibatches", "train_sps (env steps/s)", "90% interval", "peak memory (upper)",
                       "fits", "time to target"), left=("fits",))
    for o in rec.options:
        mark = "→ " if rec.chosen is not None and o.num_envs == rec.chosen.num_envs else ""
        table.add_row(
            f"{mark}{o.num_envs}", str(o.num_minibatches), f"{o.train_sps:,.0f}",
            format_range(o.train_sps_low, o.train_sps_high),
            format_bytes(o.peak_bytes_upper) if o.peak_bytes_upper is not None else "unknown",
            "yes" if o.fits else "no",
            format_duration(o.time_s) if o.num_updates else "< 1 iteration",
            style="bold green" if mark else None,
        )
    return table


def mjx_points_table(section: MjxSection, title: str) -> Table:
    table = new_table(title, ("num_envs", "status", "train_sps", "spread", "physics_sps", "compile", "peak memory",
                              "XLA bytes"))
    for p in section.points:
        table.add_row(
            str(p.num_envs), p.status if p.ok else f"[red]{p.status}[/red]",
            f"{p.train_sps:,.0f}" if p.train_sps else "-",
            f"{p.train_sps_spread:.1%}" if p.train_sps_spread is not None else "-",
            f"{p.physics_sps:,.0f}" if p.physics_sps else "-",
            format_duration(p.compile_s) if p.compile_s is not None else "-",
            format_bytes(p.peak_bytes) if p.peak_bytes else "-",
            format_bytes(p.xla_bytes) if p.xla_bytes else "-",
        )
    return table


def profile_summary(profile: Profile, origin: str) -> list[str]:
    where = origin if origin == profile.source else f"{origin}, {profile.source}"
    lines = [f"[bold]{profile.name}[/bold] ({where}, created {profile.created or 'unknown'})",
             f"hardware: {profile.hardware.summary}"]
    if profile.software:
        lines.append("software: " + ", ".join(f"{k} {v}" for k, v in sorted(profile.software.items())))
    if profile.section("mjx"):
        m = profile.section("mjx")
        w = m.workload
        minibatches = (f"num_minibatches per point for minibatches near {w.minibatch_size}" if w.minibatch_size
                       else f"num_minibatches {w.num_minibatches}")
        lines.append(f"mjx: model {w.model}, num_steps {w.num_steps}, {minibatches}, "
                     f"update_epochs {w.update_epochs}, hidden_layers {list(w.hidden_layers)} on {m.accelerator.name} "
                     f"({m.accelerator.platform}, {format_bytes(m.accelerator.memory_bytes)})")
        lines.append(f"memory: {MEMORY_SOURCES[m.memory_source]}")
        if m.method:
            lines.append(f"method: {m.method}")
    lines += [f"note: {n}" for n in profile.notes]
    return lines
