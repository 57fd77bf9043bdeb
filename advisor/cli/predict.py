"""``advisor predict``: the fitted curves at chosen settings (the DESIGN.md contract)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer
from rich.table import Table

from advisor import catalog
from advisor.cli.common import out, print_json
from advisor.errors import BadInput
from advisor.recommend import predict_mjx
from advisor.units import format_bytes, parse_int_list
from models.mjx import fit_mjx


def predict(
    profile: Annotated[str, typer.Option(help="Profile name (see 'advisor profile list').")],
    num_envs: Annotated[Optional[str], typer.Option(
        help="Comma-separated num_envs for MJX predictions, e.g. 1024,8192.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON list (nothing else).")] = False,
) -> int:
    """Predict MJX train_sps (env steps/s, with 90% interval) and peak memory (bytes, with upper bound)
    at the given num_envs."""
    if num_envs is None:
        raise BadInput("give --num-envs 1024,8192 (MJX) to predict at")
    values = parse_int_list(num_envs, "--num-envs")
    loaded, _origin = catalog.load(profile)
    if loaded.mjx is None:
        raise BadInput(f"profile {profile!r} has no MJX measurements; use one that does (see 'advisor profile list')")
    rows = predict_mjx(fit_mjx(loaded.mjx), list(values))
    if json_output:
        print_json(rows)
        return 0
    table = Table(title=f"{profile}: predictions", title_justify="left")
    for column in ("num_envs", "train_sps", "90% interval", "peak memory", "upper bound", "extrapolated"):
        table.add_column(column, justify="right")
    for r in rows:
        table.add_row(str(r["num_envs"]), f"{r['train_sps']:,.0f}", f"{r['train_sps_low']:,.0f}-{r['train_sps_high']:,.0f}",
                      format_bytes(r["peak_vram_bytes"]), format_bytes(r["peak_vram_bytes_upper"]),
                      "yes" if r["extrapolated"] else "no")
    out.print(table)
    return 0
