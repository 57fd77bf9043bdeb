"""The command kind's part of ``advisor race``: the race of the user's own command line (with
``{num_envs}``, ``{seed}``, ``{total_timesteps}``, ``{num_steps}``), its score read by a trainer's
preset or the user's two regexes, and its candidates: the ones given, else the profile's
calibrated num_envs around its fastest."""

from __future__ import annotations

import os

from advisor.errors import BadInput
from advisor.workload import RaceRequest
from profiler.profile import Profile
from profiler.race.engine import RaceSpec
from profiler.trainers import score_format

#: Env steps per env per update of the trainers a preset names (CleanRL's ppo.py ``--num-steps``,
#: Stable-Baselines3's PPO ``n_steps``), when ``--num-steps`` is not given.
PRESET_NUM_STEPS = {"cleanrl": 128, "sb3": 2048}


def race_spec(profile: Profile | None, command: list[str], request: RaceRequest, device: str) -> tuple[RaceSpec, str]:
    """The race of the user's command on ``device``, and where its candidates came from."""
    try:
        fmt = score_format(request.preset, request.score_regex, request.step_regex, request.window)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    from advisor.vectorised import race_num_envs

    candidates, why = race_num_envs(
        profile.section("command") if profile is not None else None, request,
        missing="give the candidates with --num-envs 2,4,8 (or calibrate the command first with 'advisor calibrate "
                "command --name NAME' and race with the same --name)")
    argv, env, known_steps = preset_argv(command, request)
    steps = request.num_steps or known_steps or PRESET_NUM_STEPS.get(request.preset or "", 1)
    spec = RaceSpec(argv=tuple(argv), fmt=fmt, score=request.score, budget_s=request.budget_s,
                    num_envs=tuple(candidates), seeds=tuple(range(1, request.seeds + 1)),
                    total_timesteps=request.total_timesteps, kind="command", env=env, cwd=os.getcwd(),
                    current=request.current, num_steps=steps, timeout_s=request.timeout_s, device=device)
    return spec, why


def preset_argv(command: list[str], request: RaceRequest) -> tuple[list[str], dict[str, str], int | None]:
    """``(argv, env, the program's env steps per env per update where known)``: the command as
    given when it carries its own ``{num_envs}``; else, with ``--preset``, the command as
    ``calibrate command --preset`` completes it (the trainer's flags for num_envs and the step
    budget) plus its seed flag, so one bare command line serves both."""
    if not request.preset or any("{num_envs}" in arg for arg in command):
        return list(command), dict(request.env), None
    from profiler.trainers import trainer

    preset = trainer(request.preset)
    built = preset.command(list(command), request.num_steps if preset.sets_num_steps else None, None)
    argv = list(built.argv)
    if not any("{seed}" in arg for arg in argv):
        argv += list(preset.seed_args)
    return argv, {**built.env, **request.env}, built.num_steps


def check_program(command: list[str]) -> None:
    """The command's program exists (on PATH, or at its path), before anything runs."""
    from advisor.kinds.command.calibrate import _check_program
    from profiler.kinds.command.schema import CommandWorkload

    _check_program(CommandWorkload(argv=tuple(command), cwd=os.getcwd()))


def prior(profile: Profile) -> tuple[float | None, str]:
    """No prior on the critical batch: a command's gradients are the program's own, unseen."""
    return None, ""


def score_rows(profile: Profile, headroom: float) -> list[dict]:
    """The command section's throughput rows for every config of its table, with the fixed cost
    its runs measured (:func:`advisor.vectorised.score_rows`)."""
    from advisor.kinds.command.recommend import fixed_cost_at
    from advisor.vectorised import score_rows as rows_of
    from models.num_envs_curves import fit_vectorised

    section = profile.section("command")
    if section is None:
        raise BadInput(f"profile {profile.name!r} has no command calibration, so no env steps/s to turn env steps into "
                       f"time; calibrate it ('advisor calibrate command --name {profile.name} -- ...')")
    curves = fit_vectorised(section)
    return rows_of(curves, headroom, lambda n: fixed_cost_at(curves, n))
