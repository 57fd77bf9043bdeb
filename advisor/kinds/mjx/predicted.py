"""What the MJX profile predicts for one exact training config: the one place ``advisor verify``
(and anything else that must print the prediction for the config it runs or emits) asks.

:func:`predicted_for_config` is the seam: it evaluates the config through the same
:func:`advisor.kinds.mjx.evaluated_configs.evaluate` that ``advisor recommend`` prints, so for a
recommended config the two agree exactly: through the phase model where the profile timed the
phases, else the fused num_envs curve with the interval widened for a shape it did not measure
(:mod:`advisor.kinds.mjx.config_prediction`); ``notes`` says which.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.errors import BadInput
from profiler.minibatch import LocoBatch
from profiler.profile import Profile


@dataclass(frozen=True)
class TrainConfig(LocoBatch):
    """One MJX PPO training run in LocoMuJoCo's key names, to ``target_steps`` env steps."""

    num_envs: int
    num_steps: int
    num_minibatches: int
    update_epochs: int
    hidden_layers: tuple[int, ...]
    target_steps: int

    @property
    def total_timesteps(self) -> int:
        return self.target_steps


@dataclass(frozen=True)
class ConfigPrediction:
    """Predicted train_sps (env steps/s, 90% interval), compile time (s; ``None`` unmeasured),
    time to target (s, compile included) and peak memory (bytes, with upper bound) of one config;
    ``basis`` says how, ``notes`` how far the config is from what was measured."""

    train_sps: float
    train_sps_low: float
    train_sps_high: float
    compile_s: float | None
    time_s: float
    time_low_s: float
    time_high_s: float
    peak_bytes: int | None
    peak_bytes_upper: int | None
    extrapolated: bool
    basis: str
    notes: tuple[str, ...] = ()


def predicted_for_config(profile: Profile, config: TrainConfig) -> ConfigPrediction:
    """The profile's prediction for ``config`` (module docstring); bad input when it has no
    MJX curve to predict from."""
    from advisor.kinds.mjx.config_prediction import fit_mjx
    from advisor.kinds.mjx.evaluated_configs import evaluate

    section = profile.section("mjx")
    if section is None:
        raise BadInput(f"profile {profile.name!r} has no MJX measurements; use one that does (see 'advisor profile list')")
    curves = fit_mjx(section)
    if curves.throughput is None:
        raise BadInput(f"profile {profile.name!r} cannot predict throughput: " + "; ".join(curves.notes))
    [option] = evaluate(curves, [(config.num_envs, config.num_steps, config.num_minibatches, config.update_epochs)],
                        target_steps=config.target_steps, minibatch_size=config.minibatch_size, budget_bytes=None)
    notes = list(option.notes)
    if tuple(config.hidden_layers) != tuple(section.workload.hidden_layers):
        notes.append(f"hidden_layers={list(config.hidden_layers)} differs from the measured "
                     f"{list(section.workload.hidden_layers)}, which no model here accounts for")
    if curves.phases is not None:
        basis = (f"phase model: rollout ({curves.phases.rollout_.form_} form over num_envs) and update "
                 f"({curves.phases.update_.form_} form over minibatch size) timed apart at {len(section.ok_points)} points")
    else:
        basis = (f"fused train_sps curve over num_envs ({curves.throughput.form_} form), fitted to "
                 f"{len(section.ok_points)} points")
    basis += (f"; compile time {curves.compile_basis}" if curves.compile_s is not None
              else "; compile time not measured (excluded)")
    return ConfigPrediction(
        train_sps=option.train_sps, train_sps_low=option.train_sps_low, train_sps_high=option.train_sps_high,
        compile_s=curves.compile_s, time_s=option.time_s, time_low_s=option.time_low_s,
        time_high_s=option.time_high_s, peak_bytes=option.peak_bytes, peak_bytes_upper=option.peak_bytes_upper,
        extrapolated=option.extrapolated, basis=basis, notes=tuple(notes))
