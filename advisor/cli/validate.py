"""``advisor validate``: how well a profile's curves predict points they did not see, for every
kind in the profile that has a model."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from advisor import catalog, kinds
from advisor.cli.common import out, print_json


def validate(
    profile: Annotated[Optional[str], typer.Option(
        help="Profile to validate (default: this machine's calibrated profile, else the closest shipped one).")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the tables as JSON.")] = False,
) -> int:
    """Leave-one-out validation: each measured point is predicted by the curve fitted without it. Shows measured
    and predicted throughput (env steps/s) and peak memory (bytes), the relative error, whether the memory upper
    bound held, and the form chosen per curve (MJX: train_sps and memory over num_envs; RLlib: env steps/s over
    runners)."""
    if profile is not None:
        catalog.check_profile_option(profile)
        loaded, origin = catalog.load(profile)
        note = f"{origin} profile"
    else:
        loaded, note = catalog.resolve_profile(None, kinds.default_kind())
    present = [k for k in kinds.kinds() if loaded.section(k.name) is not None]
    results = [(kind, kind.validate(loaded.section(kind.name))) for kind in present]
    if json_output:
        print_json({"profile": loaded.name, "curves": [
            {"kind": kind.name, **kind.validation_json(v)} for kind, validations in results for v in validations]})
        return 0
    out.print(f"profile: [bold]{loaded.name}[/bold] ({note})")
    if not any(validations for _kind, validations in results):
        needs = " or ".join(f"three or more measured {k.points_word}" for k in present) or "measurements"
        out.print(f"nothing to validate: leave-one-out needs {needs}")
    for kind, validations in results:
        for table, summary in kind.validation_tables(validations):
            out.print(table)
            out.print(summary)
    return 0
