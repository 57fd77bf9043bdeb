"""What the MJX explorer computes: the evaluation of a user's own settings and the time-to-target
rows in LocoMuJoCo's whole iterations. The num_envs chart rows and Vega-Lite specs every
vectorised kind draws are :mod:`advisor.vectorised_explore`'s.

Pure functions over profiles and fitted curves; the page only lays them out. Frames are
returned as lists of dicts (one per chart row) so that nothing here needs pandas.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from advisor.errors import BadInput
from advisor.kinds.mjx.conf import emit_conf
from advisor.kinds.mjx.recommend import (
    MjxConstraints,
    MjxOption,
    MjxRecommendation,
    evaluate,
    pool_fraction_needed,
    recommend_mjx,
)
from advisor.kinds.mjx.sample_efficiency import DEFAULT_MIN_UPDATES
from models.num_envs_curves import VectorCurves
from profiler.minibatch import check_minibatches


@dataclass(frozen=True)
class WhatIf:
    """A user's own settings evaluated against a profile: the predicted option (``None`` when the
    settings are invalid), problems that stop it, warnings, and the conf.yaml for it."""

    option: MjxOption | None
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    env: dict[str, str]
    conf_yaml: str | None


def what_if(curves: VectorCurves, recommendation: MjxRecommendation, *, num_envs: int, num_steps: int,
            num_minibatches: int, update_epochs: int, hidden_layers: tuple[int, ...]) -> WhatIf:
    """Evaluate the user's settings with the same arithmetic as the recommender."""
    if curves.throughput is None:  # the recommendation panel already says why
        return WhatIf(None, (), (), {}, None)
    errors: list[str] = []
    try:
        minibatch_size = check_minibatches(num_envs, num_steps, num_minibatches)
    except BadInput as exc:
        errors.append(str(exc))
        minibatch_size = 0
    if errors:
        return WhatIf(None, tuple(errors), (), {}, None)
    option = evaluate(curves, [(num_envs, num_steps, num_minibatches, update_epochs)],
                      target_steps=recommendation.target_steps, minibatch_size=minibatch_size,
                      budget_bytes=recommendation.memory_budget_bytes, min_updates=recommendation.min_updates)[0]
    measured = curves.section.workload
    warnings = []
    if option.num_updates < 1:
        errors.append(f"the target is smaller than one iteration ({num_envs} x {num_steps} env steps)")
    elif option.env_steps < 0.95 * recommendation.target_steps:
        warnings.append(f"LocoMuJoCo runs whole iterations: {option.num_updates} x {num_envs} envs x {num_steps} steps "
                        f"= {option.env_steps:,} env steps, short of the {recommendation.target_steps:,} target")
    if option.num_updates >= 1 and option.num_updates < recommendation.min_updates:
        warnings.append(f"only {option.num_updates} PPO updates, fewer than the {recommendation.min_updates} the "
                        "recommender requires: few policy improvements however big each batch")
    if not option.fits:
        warnings.append("this would not fit: " + ("its peak-memory upper bound exceeds the headroom"
                                                  if option.peak_bytes_upper is not None else
                                                  "memory is unknown beyond the largest size that ran"))
    warnings.extend(option.notes)
    shape = {"num_steps": num_steps, "update_epochs": update_epochs, "hidden_layers": tuple(hidden_layers)}
    if tuple(hidden_layers) != measured.hidden_layers:
        warnings.append("hidden_layers differ from the profile's measurements: predictions are approximate")
    env = {}
    fraction = pool_fraction_needed(option, curves.section.accelerator, cap=0.99)
    if fraction is not None:
        env["XLA_PYTHON_CLIENT_MEM_FRACTION"] = f"{fraction:.2f}"
        warnings.append(f"needs more than JAX's default 75% pool: export XLA_PYTHON_CLIENT_MEM_FRACTION={fraction:.2f}")
    conf = None
    if not errors:
        workload = dataclasses.replace(recommendation.workload, **shape)
        chosen = dataclasses.replace(recommendation, chosen=option, workload=workload, env=env,
                                     reason="your own choice in the what-if explorer",
                                     notes=recommendation.notes + tuple(warnings))
        conf = emit_conf(chosen)
    return WhatIf(option if not errors else None, tuple(errors), tuple(warnings), env, conf)


def recommend_for(curves: VectorCurves, profile: str, note: str, target_steps: int, headroom: float,
                  objective: str = "efficient", min_updates: int = DEFAULT_MIN_UPDATES) -> MjxRecommendation:
    return recommend_mjx(curves, target_steps, profile=profile, profile_note=note, objective=objective,
                         constraints=MjxConstraints(headroom=headroom, min_updates=min_updates))


def time_rows(curve: list[dict], compile_s: float | None, target_steps: int, num_steps: int) -> list[dict]:
    """Seconds to ``target_steps`` along the fitted curve, in LocoMuJoCo's whole iterations
    (``num_updates = target // num_steps // num_envs``) and compile included when measured;
    num_envs too large for one iteration are left out."""
    rows, seen = [], set()
    for r in curve:
        n = r["num_envs"]
        if (r["profile"], n) in seen:  # where extrapolated segments join the measured one
            continue
        seen.add((r["profile"], n))
        env_steps = target_steps // num_steps // n * num_steps * n
        if env_steps:
            rows.append({"profile": r["profile"], "num_envs": n, "env_steps": env_steps,
                         "seconds": (compile_s or 0.0) + env_steps / r["train_sps"]})
    return rows
