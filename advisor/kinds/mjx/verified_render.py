"""Verified runs for people and programs: ``advisor verify``'s predicted-vs-measured table and
JSON, and ``advisor validate``'s table of a profile's verified runs."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from advisor.console import table as new_table
from advisor.units import format_bytes, format_count, format_duration
from profiler.serde import to_jsonable


def _error(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1%}"


def _config_text(run: Any) -> str:
    return (f"{run.num_envs} envs x {run.num_steps} steps, {run.num_minibatches} minibatches, "
            f"{run.update_epochs} epochs")


def verify_json(run: Any, plan: Any, profile: str, measured_on: str | None = None) -> dict[str, Any]:
    """``advisor verify --json``: the six contract keys first, then the rest (``measured_on``: the
    profile's device, for the note when the run's differs)."""
    p = plan.prediction
    return {
        "predicted_time_s": run.predicted_time_s, "measured_time_s": run.measured_time_s,
        "measured_compile_s": run.measured_compile_s, "predicted_train_sps": run.predicted_train_sps,
        "measured_train_sps": run.measured_train_sps, "peak_bytes": run.peak_bytes,
        "profile": profile, "source": run.source,
        "config": {"num_envs": run.num_envs, "num_steps": run.num_steps, "num_minibatches": run.num_minibatches,
                   "update_epochs": run.update_epochs, "hidden_layers": list(run.hidden_layers),
                   "total_timesteps": run.target_steps},
        "num_updates": run.num_updates, "env_steps": run.env_steps, "measured_run_s": run.measured_run_s,
        "process_wall_s": run.process_wall_s, "predicted_compile_s": run.predicted_compile_s,
        "predicted_time_low_s": p.time_low_s, "predicted_time_high_s": p.time_high_s,
        "predicted_train_sps_low": p.train_sps_low, "predicted_train_sps_high": p.train_sps_high,
        "predicted_peak_bytes": p.peak_bytes, "predicted_peak_bytes_upper": p.peak_bytes_upper,
        "time_error": run.time_error, "train_sps_error": run.train_sps_error, "memory_source": run.memory_source,
        "compile_cache_hit": run.compile_cache_hit, "device": run.device, "predicted_basis": run.predicted_basis,
        "contention": to_jsonable(run.contention), "notes": run_notes(run, plan, measured_on),
    }


def run_notes(run: Any, plan: Any, measured_on: str | None) -> list[str]:
    """What to know about one verified run, for its text and its ``--json`` alike: a compile from
    JAX's cache, other processes busy while it trained, another device than the profile's, and the
    plan's notes (how far the config is from what was measured)."""
    notes = []
    if run.compile_cache_hit:
        notes.append("the program came from JAX's persistent cache (--compile-cache), so compile is load time")
    if run.contention is not None and run.contention.contended:
        notes.append(f"other processes were busy while it ran ({run.contention.summary}), so it may be slower than "
                     "on a quiet machine")
    if run.device and measured_on and run.device != measured_on:
        notes.append(f"the profile was measured on {measured_on} and this run on {run.device}")
    return notes + list(plan.notes)


def verify_table(run: Any, plan: Any) -> Table:
    """Predicted against measured, one row per figure, with the relative error of the prediction."""
    p = plan.prediction
    table = new_table(f"verify: {_config_text(run)}, {format_count(run.target_steps)} env steps "
                      f"({run.num_updates} updates)", ("figure", "predicted", "90% interval", "measured", "error"),
                      left=("figure",))
    table.add_row("time to target (compile + run)", format_duration(p.time_s),
                  f"{format_duration(p.time_low_s)} - {format_duration(p.time_high_s)}",
                  format_duration(run.measured_time_s), _error(run.time_error))
    compile_error = None
    if p.compile_s:
        compile_error = (p.compile_s - run.measured_compile_s) / run.measured_compile_s if run.measured_compile_s else None
    table.add_row("compile", format_duration(p.compile_s) if p.compile_s is not None else "not measured", "",
                  format_duration(run.measured_compile_s), _error(compile_error))
    table.add_row("run (training to the target)", format_duration(p.time_s - (p.compile_s or 0.0)), "",
                  format_duration(run.measured_run_s), "")
    table.add_row("train_sps (env steps/s)", f"{p.train_sps:,.0f}", f"{p.train_sps_low:,.0f} - {p.train_sps_high:,.0f}",
                  f"{run.measured_train_sps:,.0f}", _error(run.train_sps_error))
    table.add_row("peak memory", format_bytes(p.peak_bytes) if p.peak_bytes else "unknown",
                  f"up to {format_bytes(p.peak_bytes_upper)}" if p.peak_bytes_upper else "",
                  format_bytes(run.peak_bytes) if run.peak_bytes else "unknown", "")
    return table


def verified_runs_table(runs: tuple[Any, ...]) -> Table:
    """``advisor validate``: every verified run of the section, oldest first."""
    table = new_table("verified runs: whole training to the target, predicted vs measured",
                      ("created", "config", "target", "predicted time", "measured time", "error", "predicted sps",
                       "measured sps", "peak memory", "device"), left=("created", "config", "device"))
    for run in runs:
        contended = run.contention is not None and run.contention.contended
        table.add_row(run.created.replace("+00:00", "Z"), _config_text(run), format_count(run.target_steps),
                      format_duration(run.predicted_time_s) if run.predicted_time_s is not None else "-",
                      format_duration(run.measured_time_s) + (" (contended)" if contended else ""),
                      _error(run.time_error),
                      f"{run.predicted_train_sps:,.0f}" if run.predicted_train_sps is not None else "-",
                      f"{run.measured_train_sps:,.0f}", format_bytes(run.peak_bytes) if run.peak_bytes else "-",
                      run.device)
    return table


def verified_run_json(run: Any) -> dict[str, Any]:
    """One stored run, with its errors."""
    return {**to_jsonable(run), "time_error": run.time_error, "train_sps_error": run.train_sps_error}
