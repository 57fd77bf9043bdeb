"""The MJX kind's part of ``advisor race``: the race of the MJX PPO workload a profile calibrated
(its model, rollout length, epochs, network and physics), each run a fresh
``python -m profiler.kinds.mjx.race_child`` that trains from the start and prints its episode
returns; the candidates are the ones given, else the profile's calibrated num_envs around its
fastest. Minibatches keep near one size across num_envs (``--minibatch-size``), as ``recommend
--kind mjx`` emits them. The gradient noise scale the calibration measured is the
sample-efficiency model's prior (:func:`prior`)."""

from __future__ import annotations

import sys
from typing import Any

from advisor.workload import RaceRequest
from profiler.profile import Profile


def mjx_section(profile: Profile | None, name: str) -> Any:
    """The profile's MJX calibration, or bad input naming how to make one."""
    from advisor.builtin_race import calibrated_section

    return calibrated_section(profile, "mjx", name, "advisor calibrate mjx --name {name}")


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


def race_spec(profile: Profile | None, name: str, command: list[str], request: RaceRequest) -> tuple[Any, str, str]:
    """The race of the profile's MJX workload: ``(spec, where its candidates came from, platform)``."""
    from advisor import builtin_race
    from advisor.vectorised import race_num_envs
    from profiler.minibatch import DEFAULT_MINIBATCH_SIZE

    builtin_race.refuse_command("mjx", command, request, "advisor's MJX workload of the profile")
    section = mjx_section(profile, name)
    num_envs, why = race_num_envs(section, request)
    platform = section.accelerator.platform
    w = section.workload
    argv = child_argv(section, w.minibatch_size or DEFAULT_MINIBATCH_SIZE, platform)
    return builtin_race.race_spec("mjx", section, argv, request, num_envs, num_steps=w.num_steps), why, platform


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
