"""``advisor validate`` on an RLlib profile: leave-one-out over the measured settings, with the
rate at which held-out points fell inside their 90% intervals."""

from __future__ import annotations

from advisor.cli.common import out, print_json, table as new_table
from advisor.units import format_range
from models.validation_rllib import RllibValidation, validate_rllib


def rllib_validation(section) -> RllibValidation:
    ok = section.ok_points
    return validate_rllib([p.key for p in ok], [p.env_steps_per_s for p in ok],
                          [p.env_steps_per_s_samples for p in ok])


def validate_rllib_command(loaded, note: str, json_output: bool) -> int:
    result = rllib_validation(loaded.rllib)
    if json_output:
        print_json({"profile": loaded.name, "kind": "rllib", "confidence": result.confidence,
                    "coverage": result.coverage, "efficiency_coverage": result.efficiency_coverage,
                    "worst_abs_error_interior": result.worst_interior_error,
                    "worst_abs_efficiency_error_interior": result.worst_interior_efficiency_error,
                    "rows": [r.__dict__ for r in result.rows]})
        return 0
    out.print(f"profile: [bold]{loaded.name}[/bold] ({note})")
    table = new_table("RLlib env steps/s: leave-one-out", ("config", "measured", "predicted", "error",
                                                            f"{result.confidence:.0%} interval", "inside",
                                                            "efficiency measured", "predicted", "interior"), left=())
    for r in result.rows:
        if r.predicted is None:
            table.add_row(f"{r.num_env_runners}r x {r.num_envs_per_env_runner}e", f"{r.measured:,.0f}", "-", "-", "-",
                          "-", "-", "-", "yes" if r.interior else "no")
            continue
        table.add_row(f"{r.num_env_runners}r x {r.num_envs_per_env_runner}e", f"{r.measured:,.0f}", f"{r.predicted:,.0f}",
                      f"{r.error:+.1%}", format_range(r.low, r.high), "yes" if r.inside else "NO",
                      "-" if r.efficiency_measured is None else f"{r.efficiency_measured:.1%}",
                      "-" if r.efficiency_predicted is None else f"{r.efficiency_predicted:.1%}",
                      "yes" if r.interior else "no")
    out.print(table)
    for r in result.rows:
        if r.reason:
            out.print(f"{r.num_env_runners}r x {r.num_envs_per_env_runner}e not predicted: {r.reason}")
    if result.coverage is None:
        out.print("nothing to validate: leave-one-out needs three or more runner counts at one envs per runner")
        return 0
    summary = (f"inside their {result.confidence:.0%} interval: {result.coverage:.0%} of held-out points"
               + (f" (efficiency: {result.efficiency_coverage:.0%})" if result.efficiency_coverage is not None else ""))
    if result.worst_interior_error is not None:
        summary += f"; interior runner counts: worst |error| {result.worst_interior_error:.1%}"
    out.print(summary)
    return 0
