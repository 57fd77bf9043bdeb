"""Rich renderings and emitters of brax results: measured points, recommendation options, the
header of predicted numbers, the ``ppo_params`` overrides as Python and as YAML, and the command
line of Playground's trainer (``learning/train_jax_ppo.py``) with them."""

from __future__ import annotations

from rich.table import Table

from advisor.console import table as new_table
from advisor.kinds.brax.recommend import BraxRecommendation
from advisor.kinds.brax.trainer_cli import COMMAND, SCRIPT, command_line
from advisor.units import format_bytes, format_count, format_duration, format_range
from advisor.vectorised import measured_cell
from profiler.kinds.brax.schema import MEMORY_SOURCES, BraxSection


def points_table(section: BraxSection, title: str | None = None) -> Table:
    title = title or f"brax points: {section.workload.env} (env steps/s, seconds)"
    table = new_table(title, ("num_envs", "batch", "minibatches", "unroll", "env steps/update", "status",
                              "env steps/s", "spread", "s/update", "first epoch", "setup", "compile", "evals (s)",
                              "peak memory", "detail"), left=("status", "detail", "evals (s)"))
    for p in section.points:
        table.add_row(
            str(p.num_envs), str(p.batch_size), str(p.num_minibatches), str(p.unroll_length),
            f"{p.env_steps_per_update:,}", p.status if p.ok else f"[red]{p.status}[/red]",
            f"{p.train_sps:,.0f}" if p.train_sps else "-",
            f"{p.train_sps_spread:.1%}" if p.train_sps_spread is not None else "-",
            f"{p.update_s:.3f}" if p.update_s else "-",
            format_duration(p.first_epoch_s) if p.first_epoch_s is not None else "-",
            format_duration(p.setup_s) if p.setup_s is not None else "-",
            (format_duration(p.compile_s) + (f" ({p.cache_hits} cache hits)" if p.cache_hits else "")) if p.compile_s is not None else "-",
            ", ".join(f"{s:.1f}" for s in p.eval_s) or "-",
            format_bytes(p.peak_bytes) if p.peak_bytes else "-", (p.error or "")[:100])
    return table


def summary_lines(section: BraxSection) -> list[str]:
    w = section.workload
    lines = [f"Brax PPO on Playground {w.env} (impl={w.impl}) on {section.accelerator.name} "
             f"({section.accelerator.platform}, {section.device_count} device(s), "
             f"{format_bytes(section.accelerator.memory_bytes)})",
             f"num_envs curve at batch_size {w.batch_size}, num_minibatches {w.num_minibatches}, unroll_length "
             f"{w.unroll_length}, num_updates_per_batch {w.num_updates_per_batch} ({w.env_steps_per_update:,} env "
             f"steps per update); other shapes: {len(section.all_ok_points) - len(section.ok_points)}",
             f"memory: {MEMORY_SOURCES[section.memory_source]}"]
    if section.versions:
        lines.append("versions: " + ", ".join(f"{k} {v}" for k, v in section.versions.items()))
    if section.method:
        lines.append(f"method: {section.method}")
    return lines


def options_table(rec: BraxRecommendation) -> Table:
    s = rec.shape
    table = new_table(f"num_envs options for {format_count(rec.target_steps)} env steps of {rec.env} "
                      f"(batch_size {s['batch_size']}, num_minibatches {s['num_minibatches']}, unroll_length "
                      f"{s['unroll_length']}; {rec.accelerator_name})",
                      ("num_envs", "env steps/s", "90% interval", "measured", "peak memory (upper)", "fits",
                       "extrapolated", "time to target"), left=("fits", "extrapolated"))
    for o in rec.options:
        mark = "→ " if rec.chosen is not None and o.num_envs == rec.chosen.num_envs else ""
        table.add_row(f"{mark}{o.num_envs}", f"{o.train_sps:,.0f}", format_range(o.train_sps_low, o.train_sps_high),
                      measured_cell(o.measured, o.fit_train_sps),
                      format_bytes(o.peak_bytes_upper) if o.peak_bytes_upper is not None else "unknown",
                      "yes" if o.fits else "no", "yes" if o.extrapolated else "no", format_duration(o.time_s),
                      style="bold green" if mark else None)
    return table


def header_lines(rec: BraxRecommendation) -> list[str]:
    """What the emitted config is predicted to do, with intervals (plain lines)."""
    o = rec.chosen
    assert o is not None
    return [
        f"advisor: Brax PPO ppo_params for {rec.env}, profile {rec.profile} ({rec.profile_note})",
        (f"measured train_sps {o.train_sps:,.0f} env steps/s (this num_envs and shape were measured; the fit "
         f"predicts {o.fit_train_sps:,.0f}; 90% interval {format_range(o.train_sps_low, o.train_sps_high)})"
         if o.measured and o.fit_train_sps is not None else
         f"predicted train_sps {o.train_sps:,.0f} env steps/s (90% interval "
         f"{format_range(o.train_sps_low, o.train_sps_high)})"),
        f"time to {format_count(rec.target_steps)}: {format_duration(o.time_s)} ({format_duration(o.time_low_s)} - "
        f"{format_duration(o.time_high_s)}): {rec.total_env_steps:,} env steps in Brax's accounting, "
        f"{format_duration(o.train_s)} training + {format_duration(rec.eval_s)} for {rec.num_evals} evals + "
        f"{format_duration(rec.compile_s + rec.fixed_s)} setup and compile",
        f"env steps per update {rec.env_steps_per_update:,}; peak memory "
        f"{format_bytes(o.peak_bytes) if o.peak_bytes is not None else 'unknown'} (upper "
        f"{format_bytes(o.peak_bytes_upper) if o.peak_bytes_upper is not None else 'unknown'}); {rec.device_count} device(s)",
    ]


#: Playground's config module per env family (what its trainer reads ``brax_ppo_config`` from).
PARAMS_MODULES = {"dm_control_suite": "dm_control_suite_params", "locomotion": "locomotion_params",
                  "manipulation": "manipulation_params"}


def python_text(rec: BraxRecommendation) -> str:
    """The overrides as Python: a dict to update Playground's ``brax_ppo_config`` with."""
    module = PARAMS_MODULES.get(rec.family, "dm_control_suite_params")
    lines = [f"# {line}" for line in header_lines(rec)]
    lines += [f"from mujoco_playground.config import {module}", "",
              f"ppo_params = {module}.brax_ppo_config({rec.env!r}, {rec.impl!r})", "overrides = {"]
    lines += [f"    {k!r}: {v!r}," for k, v in rec.params.items()]
    lines += ["}", "ppo_params.update(overrides)",
              "# then train as Playground's trainer does: ppo.train(environment=env, **ppo_params, ...), with any",
              "# network_factory entry passed as functools.partial(ppo_networks.make_ppo_networks, **it)", ""]
    return "\n".join(lines)


def trainer_command(rec: BraxRecommendation) -> str:
    """Playground's trainer with the recommended ``ppo_params`` as its flags."""
    return command_line(rec.env, rec.impl, rec.params)


def trainer_lines(rec: BraxRecommendation) -> list[str]:
    return [f"# Playground's trainer ({SCRIPT}, installed with playground as '{COMMAND}'):",
            trainer_command(rec)]


def shell_text(rec: BraxRecommendation) -> str:
    """A shell script that runs Playground's trainer with the recommendation."""
    return "\n".join(["#!/bin/sh", *(f"# {line}" for line in header_lines(rec)), *trainer_lines(rec)]) + "\n"


def yaml_text(rec: BraxRecommendation) -> str:
    lines = [f"# {line}" for line in header_lines(rec)]
    lines += ["# ppo_params overrides over Playground's brax_ppo_config"]
    lines += [f"{k}: {v}" for k, v in rec.params.items()]
    return "\n".join(lines) + "\n"


def recommendation_lines(rec: BraxRecommendation) -> list[str]:
    lines = [f"num_envs {rec.chosen.num_envs}: {rec.reason}"] + header_lines(rec)[1:]
    lines += [f"note: {note}" for note in rec.notes]
    return lines
