"""The brax kind in ``advisor report``: a dashboard panel of env steps/s over num_envs at the
profile's batch shape, with the shared num_envs curve and its interval."""

from __future__ import annotations

from advisor.vectorised import draw_throughput
from advisor.workload import Panel
from models.num_envs_curves import fit_vectorised
from profiler.kinds.brax.schema import BraxSection

TITLES = {"brax_throughput": "Brax PPO env steps/s vs num_envs"}


def dashboard_panels(section: BraxSection) -> list[Panel]:
    if not section.ok_points:
        return []
    return [Panel("brax_throughput", TITLES["brax_throughput"], lambda ax: _throughput(ax, section))]


def _throughput(ax, section: BraxSection) -> None:
    w = section.workload
    others = [p for p in section.all_ok_points if not section.on_curve(p)]
    if others:
        ax.plot([p.num_envs for p in others], [p.train_sps for p in others], "s", label="measured, other batch shapes")
    draw_throughput(ax, fit_vectorised(section),
                    label=f"batch {w.batch_size} x {w.num_minibatches}, unroll {w.unroll_length}")


def report_lines(section: BraxSection) -> list[str]:
    w = section.workload
    lines = ["== Brax PPO ==",
             f"env {w.env} (impl {w.impl}) on {section.accelerator.name} ({section.device_count} device(s))"]
    for p in section.all_ok_points:
        lines.append(f"  {p.label}: {p.train_sps:>10,.0f} env steps/s, {p.update_s:.3f} s per update")
    return lines
