"""The MJX kind in ``advisor report``: dashboard panels (train_sps against num_envs with its fitted
curve; peak memory against num_envs when measured) and the text report's lines."""

from __future__ import annotations

import numpy as np

from advisor.vectorised import draw_throughput
from advisor.workload import Panel
from models.base import distinct
from models.num_envs_curves import fit_vectorised
from profiler.kinds.mjx.schema import MjxSection

#: Panel titles (tests and the text report refer to them).
TITLES = {
    "mjx_throughput": "MJX train_sps vs num_envs",
    "mjx_memory": "MJX peak memory vs num_envs",
}


def dashboard_panels(section: MjxSection) -> list[Panel]:
    if not section.ok_points:
        return []
    panels = [Panel("mjx_throughput", TITLES["mjx_throughput"], lambda ax: draw_throughput(ax, fit_vectorised(section)))]
    if any(p.peak_bytes for p in section.ok_points):
        panels.append(Panel("mjx_memory", TITLES["mjx_memory"], lambda ax: _mjx_memory(ax, section)))
    return panels


def _mjx_memory(ax, section: MjxSection) -> None:
    ok = [p for p in section.ok_points if p.peak_bytes]
    gib = 2**30
    ax.plot([p.num_envs for p in ok], [p.peak_bytes / gib for p in ok], "o", label="measured, peak memory")
    curves = fit_vectorised(section)
    if curves.memory is not None or curves.envs_memory is not None:  # the bound predict and recommend use
        n = distinct(np.geomspace(ok[0].num_envs, ok[-1].num_envs, 100).round())
        peak, upper, _basis = zip(*(curves.peak_bytes(int(v)) for v in n))
        ax.plot(n, np.array(peak) / gib, "-", label="fit")
        ax.plot(n, np.array(upper) / gib, ":", label="upper bound")
    if section.accelerator.memory_bytes and section.accelerator.platform != "cpu":
        ax.axhline(section.accelerator.memory_bytes / gib, color="k", ls="--", label="device capacity")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("num_envs")
    ax.set_ylabel("GiB")
    ax.legend(fontsize=8)


def report_lines(section: MjxSection) -> list[str]:
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
