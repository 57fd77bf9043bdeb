"""``advisor race`` of a workload advisor itself runs (the MJX workload, Brax PPO): the part every
such kind shares. Its runs are fresh ``python -m ...race_child`` processes that print
``global_step=N, episodic_return=R`` lines; the race takes no command and no score format (its
candidates: :func:`advisor.vectorised.race_num_envs`)."""

from __future__ import annotations

import os
from typing import Any

from advisor.errors import BadInput
from advisor.workload import RaceRequest

#: What every race child prints.
SCORE_REGEX = r"episodic_return=(\S+)"
STEP_REGEX = r"global_step=(\d+)"


def calibrated_section(profile: Any, kind: str, name: str, calibrate: str) -> Any:
    """The profile's calibration of ``kind``, or bad input naming how to make one (``calibrate``:
    the command line that does, with ``{name}`` for the profile's name)."""
    section = profile.section(kind) if profile is not None else None
    if section is None:
        raise BadInput(f"--kind {kind} races the workload a calibration measured on this machine; calibrate it first "
                       f"('{calibrate.format(name=name)}') and race with the same --name")
    return section


def refuse_command(kind: str, command: list[str], request: RaceRequest, races: str) -> None:
    """A built-in workload's race takes no command and reads its own output (bad input otherwise);
    ``races`` says what it races, for the message."""
    if command:
        raise BadInput(f"--kind {kind} races {races}, not a command; drop what follows --, or race your own training "
                       "with --kind command")
    if request.preset or request.score_regex or request.step_regex:
        raise BadInput(f"--kind {kind} reads the returns its own training prints; drop --preset, --score-regex and "
                       "--step-regex")


def race_spec(kind: str, section: Any, argv: list[str], request: RaceRequest, num_envs: list[int], *,
              num_steps: int, update_env_steps: int | None = None) -> Any:
    """The :class:`profiler.race.engine.RaceSpec` of a race child's ``argv`` on the section's device."""
    from profiler.race.engine import RaceSpec
    from profiler.trainers.scores import ScoreFormat

    fmt = ScoreFormat(score_regex=SCORE_REGEX, step_regex=STEP_REGEX, window=request.window or 1)
    return RaceSpec(argv=tuple(argv), fmt=fmt, score=request.score, budget_s=request.budget_s,
                    num_envs=tuple(num_envs), seeds=tuple(range(1, request.seeds + 1)),
                    total_timesteps=request.total_timesteps, kind=kind, env=request.env, cwd=os.getcwd(),
                    current=request.current, num_steps=request.num_steps or num_steps,
                    update_env_steps=update_env_steps, timeout_s=request.timeout_s, device=section.accelerator.name)
