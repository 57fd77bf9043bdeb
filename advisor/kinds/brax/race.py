"""The Brax kind's part of ``advisor race``: Brax PPO on the profile's Playground env at the
profile's batch shape (Playground's for the env, or the one calibrated), each run a fresh
``python -m profiler.kinds.brax.race_child`` that trains from Playground's defaults and prints each
evaluation's return; the candidates are the ones given, else the profile's calibrated num_envs
around its fastest, those the shape admits. In Brax the shape, not num_envs, sets the env steps
per update (batch_size x unroll_length x num_minibatches x action_repeat), so the race's
sample-efficiency batch is that one figure for every candidate."""

from __future__ import annotations

import os
import sys
from typing import Any

from advisor.errors import BadInput
from advisor.workload import RaceRequest
from profiler.profile import Profile
from profiler.race.engine import RaceSpec
from profiler.trainers.scores import ScoreFormat

#: What the race child prints (:mod:`profiler.kinds.brax.race_child`).
SCORE_REGEX = r"episodic_return=(\S+)"
STEP_REGEX = r"global_step=(\d+)"


def brax_section(profile: Profile | None, name: str) -> Any:
    """The profile's Brax calibration, or bad input naming how to make one."""
    section = profile.section("brax") if profile is not None else None
    if section is None:
        raise BadInput(f"--kind brax races the Brax workload a calibration measured on this machine; calibrate it "
                       f"first ('advisor calibrate brax --name {name} --env ENV') and race with the same --name")
    return section


def race_spec(profile: Profile | None, name: str, command: list[str], request: RaceRequest) -> tuple[RaceSpec, str, str]:
    """The race of the profile's Brax workload: ``(spec, where its candidates came from, platform)``."""
    from advisor.vectorised import race_candidates
    from models.num_envs_curves import fit_vectorised
    from profiler.kinds.brax.rules import shape_error

    if command:
        raise BadInput("--kind brax races Brax PPO on the profile's Playground env, not a command; drop what follows "
                       "--, or race Playground's trainer with --kind command")
    if request.preset or request.score_regex or request.step_regex:
        raise BadInput("--kind brax reads the evaluation returns its own training prints; drop --preset, "
                       "--score-regex and --step-regex")
    section = brax_section(profile, name)
    w = section.workload
    if request.num_envs:
        candidates, why = sorted(set(request.num_envs)), "given with --num-envs"
    else:
        if len({p.num_envs for p in section.ok_points}) < 2:
            raise BadInput("the profile's Brax calibration has fewer than two measured num_envs to choose candidates "
                           "from; give them with --num-envs 256,512,1024")
        candidates, why = race_candidates(fit_vectorised(section))
    current = request.current
    if current is not None and current not in candidates:
        candidates = sorted(set(candidates) | {current})
        why += f", and your current {current}"
    for n in candidates:
        problem = shape_error(n, w.batch_size, w.num_minibatches, section.device_count)
        if problem:
            raise BadInput(f"num_envs {n}: {problem}")
    platform = section.accelerator.platform
    argv = [sys.executable, "-m", "profiler.kinds.brax.race_child", "--env", w.env, "--impl", w.impl,
            "--num-envs", "{num_envs}", "--seed", "{seed}", "--total-timesteps", "{total_timesteps}",
            "--batch-size", str(w.batch_size), "--num-minibatches", str(w.num_minibatches),
            "--unroll-length", str(w.unroll_length), "--num-updates-per-batch", str(w.num_updates_per_batch),
            "--platform", platform]
    fmt = ScoreFormat(score_regex=SCORE_REGEX, step_regex=STEP_REGEX, window=request.window or 1)
    spec = RaceSpec(argv=tuple(argv), fmt=fmt, score=request.score, budget_s=request.budget_s,
                    num_envs=tuple(candidates), seeds=tuple(range(1, request.seeds + 1)),
                    total_timesteps=request.total_timesteps, kind="brax", env=request.env, cwd=os.getcwd(),
                    current=current, num_steps=request.num_steps or w.num_steps,
                    update_env_steps=w.env_steps_per_update, timeout_s=request.timeout_s,
                    device=section.accelerator.name)
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
