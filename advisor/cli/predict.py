"""``advisor predict``: the fitted curves at chosen settings (the DESIGN.md contract)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from advisor import catalog
from advisor.cli.common import out, print_json, table as new_table
from advisor.errors import BadInput
from advisor.recommend import predict_mjx
from advisor.units import format_bytes, format_range, parse_int_list
from models.vectorised import fit_vectorised


def predict(
    profile: Annotated[str, typer.Option(help="Profile name (see 'advisor profile list').")],
    num_envs: Annotated[Optional[str], typer.Option(
        help="Comma-separated num_envs for MJX predictions, e.g. 1024,8192.")] = None,
    runners: Annotated[Optional[str], typer.Option(
        help="Comma-separated num_env_runners for RLlib predictions, e.g. 1,4,15.")] = None,
    envs_per_runner: Annotated[str, typer.Option(
        help="Comma-separated num_envs_per_env_runner for RLlib predictions (measured values only).")] = "1",
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON list (nothing else).")] = False,
) -> int:
    """Predict MJX train_sps (env steps/s, with 90% interval) and peak memory (bytes, with upper bound)
    at the given num_envs, or RLlib env steps/s, speedup and parallel efficiency (fraction) over
    1 runner x 1 env at the given runners and envs per runner."""
    if (num_envs is None) == (runners is None):
        raise BadInput("give either --num-envs 1024,8192 (MJX) or --runners 1,4,15 (RLlib) to predict at")
    loaded, _origin = catalog.load(profile)
    if runners is not None:
        return _predict_rllib(loaded, profile, runners, envs_per_runner, json_output)
    values = parse_int_list(num_envs, "--num-envs")
    if loaded.section("mjx") is None:
        raise BadInput(f"profile {profile!r} has no MJX measurements; use one that does (see 'advisor profile list')")
    rows = predict_mjx(fit_vectorised(loaded.section("mjx")), list(values))
    if json_output:
        print_json(rows)
        return 0
    table = new_table(f"{profile}: predictions",
                      ("num_envs", "train_sps", "90% interval", "peak memory", "upper bound", "extrapolated"))
    for r in rows:
        table.add_row(str(r["num_envs"]), f"{r['train_sps']:,.0f}", format_range(r["train_sps_low"], r["train_sps_high"]),
                      format_bytes(r["peak_vram_bytes"]), format_bytes(r["peak_vram_bytes_upper"]),
                      "yes" if r["extrapolated"] else "no")
    out.print(table)
    return 0


def _predict_rllib(loaded, profile: str, runners: str, envs_per_runner: str, json_output: bool) -> int:
    from advisor.rllib_recommend import predict_rllib
    from models.workers import fit_workers

    runner_values = parse_int_list(runners, "--runners", maximum=4096)
    envs_values = parse_int_list(envs_per_runner, "--envs-per-runner", maximum=1024)
    if loaded.section("rllib") is None:
        raise BadInput(f"profile {profile!r} has no RLlib measurements; use one that does (see 'advisor profile list')")
    rows = predict_rllib(fit_workers(loaded.section("rllib")), list(runner_values), list(envs_values))
    if json_output:
        print_json(rows)
        return 0
    table = new_table(f"{profile}: RLlib predictions ({loaded.section("rllib").workload.env_id})",
                      ("num_env_runners", "num_envs_per_env_runner", "env steps/s", "speedup", "efficiency", "extrapolated"))
    for r in rows:
        table.add_row(str(r["num_env_runners"]), str(r["num_envs_per_env_runner"]), f"{r['env_steps_per_s']:,.0f}",
                      "-" if r["speedup"] is None else f"{r['speedup']:.2f}x",
                      "-" if r["efficiency"] is None else f"{r['efficiency']:.1%}",
                      "yes" if r["extrapolated"] else "no")
    out.print(table)
    return 0
