"""``advisor verify`` for the MJX kind: train one config all the way to the target and compare
what was measured with what the profile predicted for that exact config.

The config is the one ``advisor recommend --profile NAME --target T [--base conf.yaml]`` emits
(same options, same rule), or, with ``--num-envs``, the one given: ``num_steps``,
``update_epochs`` and ``hidden_layers`` from ``--base`` or else the profile's workload, and
``num_minibatches`` from ``--num-minibatches`` or else recommend's minibatch rule. Options given
beside no ``--num-envs`` override the recommended config's. Everything that would refuse the
run is checked before anything starts (exit 2, one line); the run itself is
:mod:`profiler.kinds.mjx.verify_run`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from advisor.errors import BadInput, NoRecommendation
from advisor.kinds.mjx.config_prediction import fit_mjx
from advisor.kinds.mjx.predicted import ConfigPrediction, TrainConfig, predicted_for_config
from advisor.kinds.mjx.sample_efficiency import DEFAULT_MIN_UPDATES
from models.num_envs_curves import fit_vectorised
from profiler.minibatch import DEFAULT_MINIBATCH_SIZE, check_minibatches, choose_num_minibatches
from profiler.profile import Profile


@dataclasses.dataclass(frozen=True)
class VerifyPlan:
    """What verify will run: the config, where it came from (``recommended`` or ``given``), the
    prediction for it, and the notes to print with it."""

    config: TrainConfig
    source: str
    prediction: ConfigPrediction
    notes: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class VerifyOptions:
    """The MJX kind's ``advisor verify`` options: the config to run (``num_envs`` and friends, or
    recommend's options for the recommended one), ``timeout`` in seconds (``None``: from the
    prediction), whether JAX's compilation cache is used, and ``no_wait`` (refuse a busy device)."""

    num_envs: int | None = None
    num_minibatches: int | None = None
    num_steps: int | None = None
    update_epochs: int | None = None
    base: Path | None = None
    objective: str | None = None
    tolerance: float = 0.05
    memory_headroom: float = 0.9
    minibatch_size: int = DEFAULT_MINIBATCH_SIZE
    timeout: float | None = None
    compile_cache: bool = False
    no_wait: bool = False
    min_updates: int = DEFAULT_MIN_UPDATES


def _base(base: Path | None) -> tuple[dict[str, Any], int | None]:
    """``(update_epochs/hidden_layers the conf sets, its num_steps)``; nothing without ``--base``."""
    if base is None:
        return {}, None
    from advisor.kinds.mjx.conf import base_num_steps, base_shape, read_base

    _text, data = read_base(base)
    return base_shape(data, str(base)), base_num_steps(data, str(base))


def _positive(option: str, value: int | None) -> None:
    if value is not None and value < 1:
        raise BadInput(f"{option} must be a positive integer")


def plan_verify(profile: Profile, target_steps: int, options: VerifyOptions) -> VerifyPlan:
    """The config to run and its prediction; bad input for anything that cannot run (module docstring)."""
    from advisor.kinds.mjx.recommend import OBJECTIVES, MjxConstraints, recommend_mjx

    o = options
    for option, value in (("--num-envs", o.num_envs), ("--num-minibatches", o.num_minibatches),
                          ("--num-steps", o.num_steps), ("--update-epochs", o.update_epochs),
                          ("--minibatch-size", o.minibatch_size)):
        _positive(option, value)
    if not 0 < o.memory_headroom <= 1:
        raise BadInput(f"--memory-headroom must be a fraction in (0, 1], e.g. 0.9 (got {o.memory_headroom})")
    section = profile.section("mjx")
    workload = section.workload
    shape, base_steps = _base(o.base)
    steps = o.num_steps or base_steps or workload.num_steps
    epochs = o.update_epochs or shape.get("update_epochs") or workload.update_epochs
    layers = tuple(shape.get("hidden_layers") or workload.hidden_layers)
    num_envs, num_minibatches = o.num_envs, o.num_minibatches
    notes: list[str] = []
    if num_envs is None:
        curves = fit_mjx(section)
        constraints = MjxConstraints(tolerance=o.tolerance, headroom=o.memory_headroom,
                                     minibatch_size=o.minibatch_size, min_updates=o.min_updates,
                                     num_steps=o.num_steps or base_steps,
                                     update_epochs=o.update_epochs or shape.get("update_epochs"),
                                     hidden_layers=shape.get("hidden_layers"))
        rec = recommend_mjx(curves, target_steps, profile=profile.name, objective=o.objective or "efficient",
                            constraints=constraints)
        if rec.chosen is None:
            raise NoRecommendation(rec.reason)
        num_envs = rec.chosen.num_envs
        if o.num_steps is None:  # same-batch chooses the rollout length too
            steps = rec.chosen.num_steps
        overridden = num_minibatches is not None or o.num_steps is not None or o.update_epochs is not None
        source = "given" if overridden else "recommended"
        if num_minibatches is None:
            num_minibatches = rec.chosen.num_minibatches
    else:
        if o.objective is not None and o.objective not in OBJECTIVES:
            raise BadInput(f"--objective {o.objective!r} is unknown; use one of: {', '.join(OBJECTIVES)}")
        source = "given"
    if num_minibatches is None:
        num_minibatches = choose_num_minibatches(num_envs, steps, o.minibatch_size)
    check_minibatches(num_envs, steps, num_minibatches)
    config = TrainConfig(num_envs=num_envs, num_steps=steps, num_minibatches=num_minibatches, update_epochs=epochs,
                         hidden_layers=layers, target_steps=target_steps)
    if config.num_updates < 1:
        raise BadInput(f"--target {target_steps:,} is less than one training iteration of {num_envs} envs x {steps} "
                       f"steps ({config.batch_size:,} env steps); raise --target to at least {config.batch_size:,}")
    _check_memory(profile, config, o.memory_headroom)
    prediction = predicted_for_config(profile, config)
    if config.env_steps != target_steps:
        notes.append(f"trains {config.num_updates} whole iterations: {config.env_steps:,} env steps of the "
                     f"{target_steps:,} asked for (LocoMuJoCo's total_timesteps // num_steps // num_envs)")
    return VerifyPlan(config, source, prediction, tuple(notes) + prediction.notes)


def _check_memory(profile: Profile, config: TrainConfig, headroom: float) -> None:
    """Refuse a config the profile says will not fit: at or past a measured out-of-memory size,
    or a peak-memory upper bound over ``headroom`` of the device."""
    section = profile.section("mjx")
    oom = section.oom_num_envs
    if oom is not None and config.num_envs >= oom:
        raise BadInput(f"num_envs={config.num_envs} is at or past {oom}, which ran out of memory on "
                       f"{section.accelerator.name}; verify a smaller --num-envs")
    capacity = section.accelerator.memory_bytes
    _peak, upper, _basis, _note = fit_vectorised(section).peak_bytes_at(config.num_envs, config.num_steps,
                                                                      config.num_minibatches)
    if capacity and upper is not None and upper > headroom * capacity:
        from advisor.units import format_bytes

        raise BadInput(f"num_envs={config.num_envs} may need up to {format_bytes(upper)} (predicted upper bound), over "
                       f"{headroom:.0%} of {section.accelerator.name}'s {format_bytes(capacity)}; verify a smaller "
                       "--num-envs, or raise --memory-headroom to run it anyway")


def check_writable(profile: Profile, origin: str, name: str) -> None:
    """Verify stores its run in the profile: a shipped profile (read-only) is refused."""
    if origin == "shipped":
        raise BadInput(f"profile {name!r} is shipped with advisor and read-only, so verify cannot store its run; "
                       "verify a profile of this machine (advisor calibrate mjx --quick makes one)")
    if profile.section("mjx") is None:
        raise BadInput(f"profile {name!r} has no MJX measurements; verify a profile that does (see 'advisor profile "
                       "list')")
