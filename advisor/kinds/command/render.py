"""Rich renderings of command results: measured points, recommendation options, summary lines."""

from __future__ import annotations

import shlex
from textwrap import shorten

from rich.table import Table

from advisor.console import status_cell
from advisor.console import table as new_table
from advisor.kinds.command.recommend import CommandRecommendation
from advisor.units import format_bytes, format_count, format_duration, format_range
from advisor.vectorised import measured_cell
from profiler.kinds.command.schema import MEMORY_SOURCES, CommandPoint, CommandSection


def steps_cell(p) -> str:
    """How a point knew its runs' env steps, and the iteration it used or found."""
    basis = {"given": "given", "detected": "found", "reported": "reported", "requested": "as asked"}[p.steps_basis]
    if p.iteration_steps:
        return f"{basis}: {p.iteration_steps:,}/iter" + (f" ({p.iteration_rounding})" if p.iteration_rounding else "")
    return basis


def done_line(p) -> str:
    """One line per finished point while a sweep runs."""
    line = f"{p.train_sps:,.0f} env steps/s, fixed cost {p.fixed_s:.1f} s; steps {steps_cell(p)}"
    if p.train_sps_spread is not None:
        line += f"; repeats within {p.train_sps_spread:.1%}"
    if p.program_sps:
        line += f"; the program's own figure {p.program_sps:,.0f} ({p.train_sps / p.program_sps - 1:+.1%})"
    if p.unsteady:
        line += "; unsteady (repeats disagree)"
    return line


def points_table(section: CommandSection, title: str | None = None) -> Table:
    title = title or f"command points: {section.name} (env steps/s, fixed cost in s)"
    table = new_table(title, ("num_envs", "status", "env steps/s", "spread", "program's own", "steps", "fixed cost",
                              "peak memory", "memory", "runs (env steps: wall s)", "detail"),
                      left=("status", "steps", "memory", "runs (env steps: wall s)", "detail"))
    for p in section.points:
        timed = [r for r in p.runs if r.role != "probe"]
        probes = len(p.runs) - len(timed)
        runs = ", ".join(f"{r.steps:,}: {r.wall_s:.2f}" for r in timed) or "-"
        if probes:
            runs += f" (+{probes} probe runs)"
        table.add_row(
            str(p.num_envs), status_cell(p),
            f"{p.train_sps:,.0f}" if p.train_sps else "-",
            f"{p.train_sps_spread:.1%}" if p.train_sps_spread is not None else "-",
            f"{p.program_sps:,.0f}" if p.program_sps else "-",
            steps_cell(p) if p.ok else "-",
            format_duration(p.fixed_s) if p.fixed_s is not None else "-",
            format_bytes(p.peak_bytes) if p.peak_bytes else "-",
            p.memory_source if p.peak_bytes else "-", runs,
            shorten("; ".join(filter(None, (p.error, p.remeasured, p.iteration_note, waited_text(p)))), 300,
                    placeholder=" …"),
        )
    return table


def options_table(rec: CommandRecommendation) -> Table:
    table = new_table(f"num_envs options for {format_count(rec.target_steps)} env steps of {rec.name} "
                      f"({rec.accelerator.name})",
                      ("num_envs", "env steps/s", "90% interval", "measured", "peak memory (upper)", "fits",
                       "time to target"), left=("fits", "measured"))
    for o in rec.options:
        mark = "→ " if rec.chosen is not None and o.num_envs == rec.chosen.num_envs else ""
        table.add_row(f"{mark}{o.num_envs}", f"{o.train_sps:,.0f}", format_range(o.train_sps_low, o.train_sps_high),
                      measured_cell(o.measured, o.fit_train_sps),
                      format_bytes(o.peak_bytes_upper) if o.peak_bytes_upper is not None else "unknown",
                      "yes" if o.fits else "no", format_duration(o.time_s), style="bold green" if mark else None)
    return table


def recommendation_lines(rec: CommandRecommendation) -> list[str]:
    """The chosen size, the exact command and its time to target, as plain lines."""
    o = rec.chosen
    assert o is not None
    fixed = f"{format_duration(o.fixed_s)} fixed cost + " if rec.fixed_s is not None else ""
    lines = [f"num_envs {o.num_envs}: {rec.reason}",
             (f"measured {o.train_sps:,.0f} env steps/s (fit {o.fit_train_sps:,.0f}; "
              if o.measured and o.fit_train_sps is not None else f"predicted {o.train_sps:,.0f} env steps/s (")
             + f"{format_range(o.train_sps_low, o.train_sps_high)}), "
             f"peak memory {format_bytes(o.peak_bytes) if o.peak_bytes is not None else 'unknown'}",
             f"time to {format_count(o.total_timesteps)} env steps: {format_duration(o.time_s)} "
             f"({format_duration(o.time_low_s)} - {format_duration(o.time_high_s)}; {fixed}"
             f"{o.total_timesteps:,} steps / {o.train_sps:,.0f} per s)"]
    lines += [f"note: {note}" for note in rec.notes]
    if rec.workload.cwd:
        lines.append(f"run in {rec.workload.cwd}:")
    lines.append(rec.command_line)
    return lines


def iteration_text(section: CommandSection) -> str:
    """How the sweep knew each run's env steps, in a few words."""
    w = section.workload
    if w.iteration == "given":
        return f"iteration num_envs x {w.num_steps}" + (f" ({w.rounding})" if w.rounding else "")
    if w.iteration == "reported":
        return "steps as each run reported them"
    found = section.iteration_num_steps
    return f"iteration found: num_envs x {found}" if found > 1 else "iteration: none found (runs as asked, long enough)"


def summary_lines(section: CommandSection) -> list[str]:
    w = section.workload
    shown = " ".join(shlex.quote(a) if not a or any(c.isspace() or c in "'\"$;&|<>*?`" for c in a) else a
                     for a in w.argv)
    lines = [f"command {section.name}: {shown}",
             f"on {section.accelerator.name} ({section.accelerator.platform}, "
             f"{format_bytes(section.accelerator.memory_bytes)}); " + iteration_text(section)
             + (f", preset {w.preset}" if w.preset else ""),
             f"memory: {MEMORY_SOURCES[section.memory_source]}"]
    if section.method:
        lines.append(f"method: {section.method}")
    return lines


def waited_text(point: CommandPoint) -> str | None:
    """How long a point's runs waited for a CPU in a slow spell, where they did."""
    waited = point.cpu_wait_s
    return f"its runs waited {waited:.0f} s in all for the CPU to come back to its steady speed" if waited >= 1 else None
