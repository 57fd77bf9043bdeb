"""``advisor predict``: the fitted curves at chosen settings (the DESIGN.md contract). Which kind
answers is chosen by the option naming its axis (``--num-envs``, ``--runners``, ...)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from advisor import catalog, kinds
from advisor.cli.options import kinds_with, options_for, with_kind_options
from advisor.errors import BadInput


def _predict(
    profile: Annotated[str, typer.Option(help="Profile name (see 'advisor profile list').")],
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON list (nothing else).")] = False,
    **kind_options: Any,
) -> int:
    """Predict MJX train_sps (env steps/s, with 90% interval) and peak memory (bytes, with upper bound)
    at the given num_envs, or RLlib env steps/s, speedup and parallel efficiency (fraction) over
    1 runner x 1 env at the given runners and envs per runner."""
    given = [name for name, value in kind_options.items() if value is not None]
    chosen = kinds_with("predict_axis", given)
    if len(chosen) != 1:
        examples = " or ".join(k.predict_example for k in kinds.kinds() if k.predict_axis)
        raise BadInput(f"give either {examples} to predict at")
    loaded, _origin = catalog.load(profile)
    kind = chosen[0]
    return kind.predict(loaded, profile, json_output, **options_for(kind, "predict_options", kind_options))


predict = with_kind_options(_predict, "predict_options")
