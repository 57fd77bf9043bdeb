"""``advisor validate``: how well a profile's curves predict points they did not see, for every
kind in the profile that has a model."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from advisor import catalog, kinds
from advisor.console import out, print_json
from profiler.contention import contention_note, section_records, section_speed_notes


def validate(
    profile: Annotated[Optional[str], typer.Option(
        help="Profile to validate (default: this machine's calibrated profile, else the closest shipped one).")] = None,
    kind: Annotated[Optional[str], typer.Option(
        help=f"Validate only this kind's curves ({', '.join(kinds.names())}). Default: every kind in the profile.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the tables as JSON.")] = False,
) -> int:
    """Leave-one-out validation: each measured point is predicted by the curve fitted without it. Shows measured
    and predicted throughput (env steps/s) and peak memory (bytes), the relative error, whether the memory upper
    bound held, and the form chosen per curve (MJX: train_sps and memory over num_envs; RLlib: env steps/s over
    runners). Then the whole training runs 'advisor verify' stored in the profile: predicted against measured time
    to target (s) and train_sps."""
    only = kinds.get(kind) if kind is not None else None
    if profile is not None and only is None:
        catalog.check_profile_option(profile)
        loaded, origin = catalog.load(profile)
        note = f"{origin} profile"
    else:  # a named profile must hold --kind's section; without a name, the default rule for it
        loaded, note = catalog.resolve_profile(profile, only or kinds.default_kind())
    present = kinds.in_profile(loaded, None if only is None else [only])
    results = [(kind, kind.validate(loaded.section(kind.name))) for kind in present]
    # what the points' own records say of how they were measured holds however few points a kind has
    marked = {kind.name: contended(loaded.section(kind.name)) for kind in present}
    speed = {kind.name: section_speed_notes(loaded.section(kind.name)) for kind in present}
    verified = {kind.name: (kind, kind.verified_runs(loaded.section(kind.name))) for kind in present}
    verified = {name: (kind, runs) for name, (kind, runs) in verified.items() if runs}
    if json_output:
        print_json({"profile": loaded.name, "curves": [
            {"kind": kind.name, **kind.validation_json(v)} for kind, validations in results for v in validations],
            "contended": {name: {"points": points, "note": text} for name, (points, text) in marked.items()},
            "cpu_speed": {name: notes for name, notes in speed.items() if notes},
            "verified_runs": {name: [kind.verified_json(r) for r in runs] for name, (kind, runs) in verified.items()}})
        return 0
    out.print(f"profile: [bold]{loaded.name}[/bold] ({note})")
    if not any(validations for _kind, validations in results):
        needs = " or ".join(f"three or more measured {k.points_word}" for k in present) or "measurements"
        out.print(f"nothing to validate: leave-one-out needs {needs}")
    for kind, validations in results:
        if not validations and any(v for _k, v in results):
            out.print(f"{kind.name}: nothing to validate: leave-one-out needs three or more measured {kind.points_word}")
        for table, summary in kind.validation_tables(validations):
            out.print(table)
            out.print(summary)
        if marked.get(kind.name, (None, None))[1]:
            out.print(f"note: {marked[kind.name][1]}")
        for line in speed.get(kind.name, ()):
            out.print(f"note: {line}")
    for kind, runs in verified.values():
        out.print(kind.verified_table(runs))
    return 0


def contended(section) -> tuple[list, str | None]:
    """Keys of the section's measured points timed beside other work, and the note about them."""
    points = section_records(section)
    keys = [p.key for p in section.ok_points if getattr(p, "contention", None) is not None and p.contention.contended]
    return keys, contention_note(points)
