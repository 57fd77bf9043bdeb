"""The command kind in ``advisor report``: dashboard panels (env steps/s against num_envs with the
fitted curve and its interval; peak memory against num_envs when measured; the measured fixed cost
of each num_envs) and the text report's lines: the command, how it was measured, every point."""

from __future__ import annotations

from advisor.units import format_bytes, format_duration
from advisor.vectorised import draw_memory, draw_throughput
from advisor.workload import Panel
from models.num_envs_curves import VectorCurves, fit_vectorised
from profiler.kinds.command.schema import THROUGHPUT_METHODS, CommandSection

#: Panel titles (tests and the text report refer to them).
TITLES = {
    "command_throughput": "command env steps/s vs num_envs",
    "command_memory": "command peak memory vs num_envs",
    "command_fixed": "command fixed cost (start-up + compile) vs num_envs",
}


def dashboard_panels(section: CommandSection) -> list[Panel]:
    if not section.ok_points:
        return []
    curves = fit_vectorised(section)
    panels = [Panel("command_throughput", _title("command_throughput", section),
                    lambda ax: draw_throughput(ax, curves, "env steps/s"))]
    if any(p.peak_bytes for p in section.ok_points):
        panels.append(Panel("command_memory", _title("command_memory", section), lambda ax: draw_memory(ax, curves)))
    if any(p.fixed_s is not None for p in section.ok_points):
        panels.append(Panel("command_fixed", _title("command_fixed", section), lambda ax: _fixed(ax, curves)))
    return panels


def _title(key: str, section: CommandSection) -> str:
    return TITLES[key] if section.name == "command" else f"{TITLES[key]} ({section.name})"


def _fixed(ax, curves: VectorCurves) -> None:
    """Each point's fixed cost, and the median that predictions between and beyond them use."""
    ok = [p for p in curves.section.ok_points if p.fixed_s is not None]
    ax.plot([p.num_envs for p in ok], [p.fixed_s for p in ok], "o", label="measured, fixed cost")
    if curves.compile_s is not None:
        ax.axhline(curves.compile_s, color="k", ls=":", label=f"median {curves.compile_s:.1f} s (used between points)")
    ax.set_xscale("log", base=2)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("num_envs")
    ax.set_ylabel("seconds")
    ax.legend(fontsize=8)


def report_lines(section: CommandSection) -> list[str]:
    from advisor.kinds.command.render import summary_lines

    curves = fit_vectorised(section)
    lines = [f"== your command: {section.name} =="] + summary_lines(section)
    methods = sorted({p.throughput_method for p in section.ok_points})
    lines += [f"throughput: {THROUGHPUT_METHODS[m]}" for m in methods]
    for p in section.points:
        if not p.ok:
            lines.append(f"  num_envs {p.num_envs:>6}: {p.status}" + (f" ({p.error[:80]})" if p.error else ""))
            continue
        fixed = format_duration(p.fixed_s) if p.fixed_s is not None else "-"
        memory = (f"{format_bytes(p.peak_bytes)} ({p.memory_source})" if p.peak_bytes else "not measured")
        lines.append(f"  num_envs {p.num_envs:>6}: {p.train_sps:>10,.0f} env steps/s, fixed cost {fixed}, "
                     f"peak memory {memory}")
    if section.oom_num_envs is not None:
        lines.append(f"  memory boundary: out of memory from {section.oom_num_envs} envs")
    if curves.throughput is not None:
        lines.append(f"  fitted iteration-time form: {curves.throughput.form_}")
    if curves.compile_s is not None:
        lines.append(f"  fixed cost between and beyond the points: {format_duration(curves.compile_s)} (median); "
                     "time to target = fixed cost + env steps / env steps per s")
    lines += [f"  note: {n}" for n in curves.notes]
    return lines
