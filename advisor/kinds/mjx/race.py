"""The MJX kind's part of ``advisor race``: the race of the MJX PPO workload a profile calibrated
(its model, rollout length, epochs, network and physics), each run a fresh
``python -m profiler.kinds.mjx.race_child`` that trains from the start and prints its episode
returns; the candidates are the ones given, else the profile's calibrated num_envs around its
fastest. Minibatches keep near one size across num_envs (``--minibatch-size``), as ``recommend
--kind mjx`` emits them. The gradient noise scale the calibration measured is the
sample-efficiency model's prior (:func:`prior`)."""

from __future__ import annotations

import os
import sys
from typing import Any

from advisor.errors import BadInput
from advisor.workload import RaceRequest
from profiler.profile import Profile
from profiler.race.engine import RaceSpec
from profiler.trainers.scores import ScoreFormat

#: What the race child prints (:mod:`profiler.kinds.mjx.race_child`).
SCORE_REGEX = r"episodic_return=(\S+)"
STEP_REGEX = r"global_step=(\d+)"


def mjx_section(profile: Profile | None, name: str) -> Any:
    """The profile's MJX calibration, or bad input naming how to make one."""
    section = profile.section("mjx") if profile is not None else None
    if section is None:
        raise BadInput(f"--kind mjx races the MJX workload a calibration measured on this machine; calibrate it first "
                       f"('advisor calibrate mjx --name {name}') and race with the same --name")
    return section


def child_argv(section: Any, minibatch_size: int, platform: str) -> list[str]:
    """The race child's command line for the section's workload, with the race's placeholders."""
    from profiler.kinds.mjx.mjcf import resolve_model

    w = section.workload
    argv = [sys.executable, "-m", "profiler.kinds.mjx.race_child", "--model", str(resolve_model(w.model)),
            "--num-envs", "{num_envs}", "--seed", "{seed}", "--total-timesteps", "{total_timesteps}",
            "--num-steps", "{num_steps}", "--minibatch-size", str(minibatch_size),
            "--update-epochs", str(w.update_epochs), "--hidden-layers", ",".join(map(str, w.hidden_layers)),
            "--n-substeps", str(w.n_substeps), "--platform", platform]
    for flag, value in (("--solver-iterations", w.solver_iterations), ("--ls-iterations", w.ls_iterations),
                        ("--timestep", w.timestep)):
        if value is not None:
            argv += [flag, str(value)]
    return argv


def race_spec(profile: Profile | None, name: str, command: list[str], request: RaceRequest) -> tuple[RaceSpec, str, str]:
    """The race of the profile's MJX workload: ``(spec, where its candidates came from, platform)``."""
    from advisor.vectorised import race_candidates
    from models.num_envs_curves import fit_vectorised
    from profiler.minibatch import DEFAULT_MINIBATCH_SIZE

    if command:
        raise BadInput("--kind mjx races advisor's MJX workload of the profile, not a command; drop what follows --, "
                       "or race your own training with --kind command")
    if request.preset or request.score_regex or request.step_regex:
        raise BadInput("--kind mjx reads the episode returns its own training prints; drop --preset, --score-regex "
                       "and --step-regex")
    section = mjx_section(profile, name)
    if request.num_envs:
        candidates, why = sorted(set(request.num_envs)), "given with --num-envs"
    else:
        if len({p.num_envs for p in section.ok_points}) < 2:
            raise BadInput("the profile's MJX calibration has fewer than two measured num_envs to choose candidates "
                           "from; give them with --num-envs 1024,2048,4096")
        candidates, why = race_candidates(fit_vectorised(section))
    current = request.current
    if current is not None and current not in candidates:
        candidates = sorted(set(candidates) | {current})
        why += f", and your current {current}"
    platform = section.accelerator.platform
    w = section.workload
    fmt = ScoreFormat(score_regex=SCORE_REGEX, step_regex=STEP_REGEX, window=request.window or 1)
    spec = RaceSpec(argv=tuple(child_argv(section, w.minibatch_size or DEFAULT_MINIBATCH_SIZE, platform)), fmt=fmt,
                    score=request.score, budget_s=request.budget_s, num_envs=tuple(candidates),
                    seeds=tuple(range(1, request.seeds + 1)), total_timesteps=request.total_timesteps, kind="mjx",
                    env=request.env, cwd=os.getcwd(), current=current, num_steps=request.num_steps or w.num_steps,
                    timeout_s=request.timeout_s, device=section.accelerator.name)
    return spec, why, platform


def prior(profile: Profile) -> tuple[float | None, str]:
    """The sample-efficiency model's prior on the critical batch: the policy's gradient noise scale
    B_simple the calibration measured (samples; the value function's is reported beside it), or
    ``None`` with a flat prior when none was measured."""
    section = mjx_section(profile, profile.name)
    estimates = [p.gradient_noise for p in section.ok_points if getattr(p, "gradient_noise", None) is not None]
    policy = [e.policy.b_simple for e in estimates if e.policy.b_simple]
    if not policy:
        return None, ""
    value = [e.value.b_simple for e in estimates if e.value.b_simple]
    b = sorted(policy)[len(policy) // 2]
    text = (f"log-normal around the policy's gradient noise scale B_simple = {b:,.0f} samples (x4 one sd) measured "
            f"by the calibration" + (f"; the value function's was {sorted(value)[len(value) // 2]:,.0f}" if value
                                       else ""))
    return b, text


def score_rows(profile: Profile, headroom: float) -> list[dict]:
    """The MJX section's throughput rows for every num_envs of its table at the calibrated shape,
    with the compile (s) as the fixed cost (:func:`advisor.vectorised.score_rows`)."""
    from advisor.vectorised import score_rows as rows_of
    from models.num_envs_curves import fit_vectorised

    curves = fit_vectorised(mjx_section(profile, profile.name))
    return rows_of(curves, headroom, lambda n: curves.compile_s or 0.0)
