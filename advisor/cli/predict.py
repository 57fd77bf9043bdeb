"""``advisor predict``: the fitted curves at chosen settings (the DESIGN.md contract). Which kind
answers is chosen by the option naming its axis (``--num-envs``, ``--runners``, ...); when kinds
share an axis, by the section the profile has, or by ``--kind``."""

from __future__ import annotations

from typing import Annotated, Any, Optional

import typer

from advisor import catalog, kinds
from advisor.cli.options import kinds_with, options_for, with_kind_options
from advisor.cli.present import present as show
from advisor.errors import BadInput


def _predict(
    profile: Annotated[str, typer.Option(help="Profile name (see 'advisor profile list').")],
    kind: Annotated[Optional[str], typer.Option(
        help="The kind to predict for, when the profile has several kinds over the same axis.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON list (nothing else).")] = False,
    **kind_options: Any,
) -> int:
    # help: see the assignment below, which names every registered kind
    axes = {k.predict_axis for k in kinds_with("predict_axis", [n for n, v in kind_options.items() if v is not None])}
    if len(axes) != 1:
        examples = " or ".join(k.predict_example for k in kinds.kinds() if k.predict_axis)
        raise BadInput(f"give either {examples} to predict at" + (", only one of them" if len(axes) > 1 else ""))
    loaded, _origin = catalog.load(profile)
    candidates = [k for k in kinds.kinds() if k.predict_axis in axes]
    if kind is not None:
        chosen = kinds.get(kind)
        if chosen not in candidates:
            raise BadInput(f"--kind {kind} does not predict at --{next(iter(axes)).replace('_', '-')}; "
                           f"use --kind {' or --kind '.join(k.name for k in candidates)}")
    else:
        present = kinds.in_profile(loaded, candidates)
        if len(present) > 1:
            raise BadInput(f"profile {profile!r} has {' and '.join(k.name for k in present)} measurements; choose "
                           f"one with --kind {' or --kind '.join(k.name for k in present)}")
        chosen = present[0] if present else candidates[0]
    return show(chosen.predict(loaded, profile, **options_for(chosen, "predict_options", kind_options)), json_output)


_predict.__doc__ = "Predict " + ", or ".join(k.predict_help for k in kinds.kinds() if k.predict_help) + "."
predict = with_kind_options(_predict, "predict_options")
