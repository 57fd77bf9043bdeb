"""The Brax kind's part of ``advisor race``: Brax PPO on the profile's Playground env at the
profile's batch shape (Playground's for the env, or the one calibrated), each run a fresh
``python -m profiler.kinds.brax.race_child`` that trains from Playground's defaults and prints each
evaluation's return; the candidates are the ones given, else the profile's calibrated num_envs
around its fastest, those the shape admits. In Brax the shape, not num_envs, sets the env steps
per update (batch_size x unroll_length x num_minibatches x action_repeat), so the race's
sample-efficiency batch is that one figure for every candidate."""

from __future__ import annotations

import sys
from typing import Any

from advisor.workload import RaceRequest
from profiler.profile import Profile


def brax_section(profile: Profile | None, name: str) -> Any:
    """The profile's Brax calibration, or bad input naming how to make one."""
    from advisor.builtin_race import calibrated_section

    return calibrated_section(profile, "brax", name, "advisor calibrate brax --name {name} --env ENV")


def race_spec(profile: Profile | None, name: str, command: list[str], request: RaceRequest) -> tuple[Any, str, str]:
    """The race of the profile's Brax workload: ``(spec, where its candidates came from, platform)``."""
    from advisor import builtin_race
    from advisor.vectorised import race_num_envs
    from profiler.kinds.brax.rules import shape_error

    builtin_race.refuse_command("brax", command, request, "Brax PPO on the profile's Playground env")
    section = brax_section(profile, name)
    w = section.workload
    num_envs, why = race_num_envs(
        section, request, lambda n: shape_error(n, w.batch_size, w.num_minibatches, section.device_count),
        example="256,512,1024")
    platform = section.accelerator.platform
    argv = [sys.executable, "-m", "profiler.kinds.brax.race_child", "--env", w.env, "--impl", w.impl,
            "--num-envs", "{num_envs}", "--seed", "{seed}", "--total-timesteps", "{total_timesteps}",
            "--batch-size", str(w.batch_size), "--num-minibatches", str(w.num_minibatches),
            "--unroll-length", str(w.unroll_length), "--num-updates-per-batch", str(w.num_updates_per_batch),
            "--platform", platform]
    spec = builtin_race.race_spec("brax", section, argv, request, num_envs, num_steps=w.num_steps,
                                  update_env_steps=w.env_steps_per_update)
    return spec, why, platform


def prior(profile: Profile) -> tuple[float | None, str]:
    """No prior on the critical batch: Brax's gradients are not measured."""
    return None, ""


def score_rows(profile: Profile, headroom: float) -> list[dict]:
    """The Brax section's throughput rows for every num_envs of its table at the profile's shape
    (the curve ``predict --kind brax`` reads), those the shape admits, with the compile (s) as
    the fixed cost (:func:`advisor.vectorised.score_rows`)."""
    from advisor.vectorised import score_rows as rows_of
    from models.num_envs_curves import fit_vectorised
    from profiler.kinds.brax.rules import shape_error

    section = brax_section(profile, profile.name)
    w = section.workload
    curves = fit_vectorised(section)
    rows = rows_of(curves, headroom, lambda n: curves.compile_s or 0.0)
    return [r for r in rows if shape_error(r["num_envs"], w.batch_size, w.num_minibatches, section.device_count) is None]
