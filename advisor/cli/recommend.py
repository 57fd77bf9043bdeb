"""``advisor recommend``: a tuned config for a target number of env steps, from the kind's model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from advisor import catalog, kinds
from advisor.cli.options import options_for, with_kind_options
from advisor.cli.present import present
from advisor.errors import BadInput
from advisor.units import parse_count
from advisor.workload import RecommendRequest

_KIND_HELP = "; ".join(f"{k.name}: {k.title}" for k in kinds.kinds())
_OBJECTIVE_HELP = " ".join(k.objective_help or f"{k.name}: {', '.join(k.objectives)}." for k in kinds.kinds())
_OUTPUT_HELP = "; ".join(k.output_help for k in kinds.kinds() if k.output_help)


def _recommend(
    target: Annotated[Optional[str], typer.Option("--target", "-t", help="Env steps to train for: 100M, 1.5B, 1e8 or "
                                                                          "100000000 (not with --objective "
                                                                          "time-to-score).")] = None,
    profile: Annotated[Optional[str], typer.Option(
        help="Profile to use (see 'advisor profile list'). Default: the profile calibrated on this machine, "
             "else the closest shipped one.")] = None,
    kind: Annotated[Optional[str], typer.Option(
        help=f"What to recommend for. {_KIND_HELP}. Default: the kind of a --profile that holds one kind, "
             f"else {kinds.default_kind().name}.")] = None,
    objective: Annotated[Optional[str], typer.Option(help=f"What 'fastest' means. {_OBJECTIVE_HELP}")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help=f"Write the config here ({_OUTPUT_HELP}).")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the recommendation as JSON (nothing else).")] = False,
    **kind_options: Any,
) -> int:
    # help: see the assignment below, which names every registered kind
    chosen = kinds.get(kind) if kind is not None else _kind_of(profile)
    given = options_for(chosen, "recommend_options", kind_options)
    objective = objective or chosen.default_objective
    if objective not in chosen.objectives:
        raise BadInput(f"--objective {objective!r} is unknown for --kind {chosen.name}; use one of: "
                       f"{', '.join(chosen.objectives)}")
    if target is None and objective not in chosen.targetless_objectives:
        raise BadInput("--target is required: the env steps to train for, e.g. --target 100M")
    target_steps = parse_count(target) if target is not None else 0
    return present(chosen.recommend(RecommendRequest(target_steps, profile, objective, output), **given), json_output)


def _kind_of(profile: str | None) -> kinds.WorkloadKind:
    """The kind a recommendation without ``--kind`` is for: the one kind a named profile holds,
    else the default kind (whose resolution then names the kinds a profile has, if it lacks it)."""
    catalog.check_profile_option(profile)
    if profile:
        present = kinds.in_profile(catalog.load(profile)[0])
        if len(present) == 1:
            return present[0]
    return kinds.default_kind()


_recommend.__doc__ = (
    "Recommend the fastest config that fits for a target number of env steps, with predicted env steps/s, time to "
    "target (seconds, compile included where measured) and peak memory (bytes) against the device's capacity: "
    + "; ".join(k.recommend_help for k in kinds.kinds() if k.recommend_help) + ".")
recommend = with_kind_options(_recommend, "recommend_options")
