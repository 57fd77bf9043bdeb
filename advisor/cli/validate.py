"""``advisor validate``: how well a profile's curves predict points they did not see."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from advisor.cli.common import out, print_json, table as new_table
from advisor.cli.recommend import resolve_profile
from advisor.units import format_bytes
from models.validation import validate_vectorised


def validate(
    profile: Annotated[Optional[str], typer.Option(
        help="Profile to validate (default: this machine's calibrated profile, else the closest shipped one).")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the tables as JSON.")] = False,
) -> int:
    """Leave-one-out validation: each measured point is predicted by the curve fitted without it. Shows measured
    and predicted train_sps (env steps/s) and peak memory (bytes), the relative error, whether the memory upper
    bound held, and the form chosen per curve."""
    loaded, note = resolve_profile(profile, "mjx")
    curves = validate_vectorised(loaded.section("mjx"))
    if json_output:
        print_json({"profile": loaded.name, "curves": [
            {"curve": c.curve, "form": c.form, "median_abs_error_interior": c.median_abs_error,
             "worst_abs_error_interior": c.worst_abs_error, "upper_bound_held": c.bound_held,
             "rows": [r.__dict__ for r in c.rows]} for c in curves]})
        return 0
    out.print(f"profile: [bold]{loaded.name}[/bold] ({note})")
    if not curves:
        out.print("nothing to validate: leave-one-out needs three or more measured num_envs")
    for c in curves:
        memory = c.curve != "train_sps"
        x_label = "XLA bytes" if c.curve == "peak_from_xla" else "num_envs"
        columns = ("num_envs",) + ((x_label,) if c.curve == "peak_from_xla" else ())
        table = new_table(f"{c.curve} ({c.form} form): leave-one-out",
                          columns + ("measured", "predicted", "error", "interior") + (("upper/measured",) if memory else ()),
                          left=())
        for r in c.rows:
            fmt = format_bytes if memory else (lambda v: f"{v:,.0f}")
            x_text = format_bytes(r.x) if c.curve == "peak_from_xla" else str(r.num_envs)
            cells = [str(r.num_envs), x_text, fmt(r.measured), fmt(r.predicted), f"{r.error:+.1%}",
                     "yes" if r.interior else "no"]
            if memory:
                cells.append(f"{r.upper_ratio:.3f}" if r.upper_ratio is not None else "-")
            table.add_row(*(cells if c.curve == "peak_from_xla" else cells[:1] + cells[2:]))
        out.print(table)
        summary = (f"interior points: median |error| {c.median_abs_error:.1%}, worst {c.worst_abs_error:.1%}"
                   if c.median_abs_error is not None else "no interior points")
        if memory:
            summary += "; upper bound held at every held-out point" if c.bound_held else "; upper bound was BELOW a measurement"
        out.print(summary)
    return 0
