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


def candidates_from_profile(profile: Profile | None) -> tuple[list[int], str]:
    """``(num_envs, why)`` from the profile's command calibration: the num_envs with the highest
    predicted env steps/s and the powers of two down to an eighth of it (throughput rises with
    num_envs while sample efficiency falls, so the soonest score lies at or below the fastest)."""
    section = profile.section("command") if profile is not None else None
    if section is None or len({p.num_envs for p in section.ok_points}) < 2:
        raise BadInput("give the candidates with --num-envs 2,4,8 (or calibrate the command first with 'advisor "
                       "calibrate command --name NAME' and race with the same --name)")
    from advisor.kinds.command.recommend import candidate_num_envs, predict_rows
    from models.num_envs_curves import fit_vectorised

    curves = fit_vectorised(section)
    grid = candidate_num_envs(curves.measured_num_envs)
    rows = predict_rows(curves, grid)
    fastest = max(rows, key=lambda r: r["train_sps"])["num_envs"]
    chosen = sorted({n for n in grid if fastest // 8 <= n <= fastest})
    return chosen[-4:], (f"the calibrated num_envs with the highest predicted env steps/s ({fastest}) and the "
                         f"sizes below it down to an eighth")


def race_spec(profile: Profile | None, command: list[str], request: RaceRequest, device: str) -> tuple[RaceSpec, str]:
    """The race of the user's command on ``device``, and where its candidates came from."""
    try:
        fmt = score_format(request.preset, request.score_regex, request.step_regex, request.window)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    if request.num_envs:
        candidates, why = sorted(set(request.num_envs)), "given with --num-envs"
    else:
        candidates, why = candidates_from_profile(profile)
    current = request.current
    if current is not None and current not in candidates:
        candidates = sorted(set(candidates) | {current})
        why += f", and your current {current}"
    steps = request.num_steps or PRESET_NUM_STEPS.get(request.preset or "", 1)
    spec = RaceSpec(argv=tuple(command), fmt=fmt, score=request.score, budget_s=request.budget_s,
                    num_envs=tuple(candidates), seeds=tuple(range(1, request.seeds + 1)),
                    total_timesteps=request.total_timesteps, kind="command", env=request.env, cwd=os.getcwd(),
                    current=current, num_steps=steps, timeout_s=request.timeout_s, device=device)
    return spec, why


def check_program(command: list[str]) -> None:
    """The command's program exists (on PATH, or at its path), before anything runs."""
    from advisor.kinds.command.calibrate import _check_program
    from profiler.kinds.command.schema import CommandWorkload

    _check_program(CommandWorkload(argv=tuple(command), cwd=os.getcwd()))


def score_rows(profile: Profile, headroom: float) -> list[dict]:
    """The command section's throughput rows for every config of its table (powers of two in the
    measured range), with the fixed cost and whether each fits ``headroom`` of the device's memory."""
    from advisor.kinds.command.recommend import candidate_num_envs, predict_rows
    from models.num_envs_curves import fit_vectorised

    section = profile.section("command")
    if section is None:
        raise BadInput(f"profile {profile.name!r} has no command calibration, so no env steps/s to turn env steps into "
                       f"time; calibrate it ('advisor calibrate command --name {profile.name} -- ...')")
    curves = fit_vectorised(section)
    rows = predict_rows(curves, candidate_num_envs(curves.measured_num_envs))
    capacity = section.accelerator.memory_bytes
    largest, oom = max(curves.measured_num_envs), section.oom_num_envs
    for row in rows:
        upper = row["peak_bytes_upper"]
        fits = upper <= headroom * capacity if upper is not None and capacity else row["num_envs"] <= largest
        row["fits"] = bool(fits) and (oom is None or row["num_envs"] < oom)
    return rows
