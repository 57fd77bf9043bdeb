"""``advisor verify``: train one config all the way to a target and print what the profile
predicted for it beside what was measured; the run is stored in the profile. Which kind runs it
is the profile's (or ``--kind``); a kind without verify says so."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from advisor import catalog, kinds
from advisor.cli.options import options_for, with_kind_options
from advisor.cli.present import run_job
from advisor.errors import BadInput
from advisor.units import parse_count


def _verify(
    profile: Annotated[str, typer.Option(help="Profile to verify (see 'advisor profile list'); the run is stored in it.")],
    target: Annotated[str, typer.Option("--target", "-t", help="Env steps to train for: 2M, 1.5B, 1e8 or 2000000.")],
    kind: Annotated[Optional[str], typer.Option(help="The kind to verify, when the profile has several.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print predicted and measured as JSON (nothing else).")] = False,
    **kind_options: Any,
) -> int:
    # help: see the assignment below, which names every registered kind
    catalog.check_profile_option(profile)
    target_steps = parse_count(target)
    loaded, origin = catalog.load(profile)
    if kind is not None:
        chosen = kinds.get(kind)
    else:
        present = kinds.in_profile(loaded)
        if not present:
            raise BadInput(f"profile {profile!r} has no measurements; calibrate it first ('advisor calibrate mjx')")
        verifying = [k for k in present if k.verify_help]
        if len(verifying) > 1:
            raise BadInput(f"profile {profile!r} has {' and '.join(k.name for k in verifying)} measurements; choose "
                           f"one with --kind {' or --kind '.join(k.name for k in verifying)}")
        chosen = (verifying or present)[0]
    if not chosen.verify_help:
        able = [k.name for k in kinds.kinds() if k.verify_help]
        raise BadInput(f"--kind {chosen.name} has no verify; verify a profile with {' or '.join(able)} measurements")
    job = chosen.verify(loaded, origin, profile, target_steps, **options_for(chosen, "verify_options", kind_options))
    return run_job(job, json_output)


_verify.__doc__ = (
    "Train one config to --target and print predicted against measured: time to target (s, compile included), "
    "compile time (s), train_sps (env steps/s) and peak memory (bytes); the run is stored in the profile and "
    "'advisor validate' lists it. " + "; ".join(k.verify_help for k in kinds.kinds() if k.verify_help) + ".")
verify = with_kind_options(_verify, "verify_options")
