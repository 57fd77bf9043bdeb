"""Published trainers advisor knows by name: one module each (their flags, how they round a step
budget into iterations, what their output says), read by ``calibrate command --preset`` and any
other feature that runs or reads them. :func:`trainer` finds one by its name or an alias."""

from __future__ import annotations

from profiler.errors import BadInput
from profiler.trainers import cleanrl, locomujoco, playground, sb3
from profiler.trainers.base import PresetCommand, Trainer
from profiler.trainers.scores import ScoreFormat

TRAINERS: tuple[Trainer, ...] = (cleanrl.TRAINER, sb3.TRAINER, playground.TRAINER, locomujoco.TRAINER)


def names() -> tuple[str, ...]:
    """Every name a preset answers to, canonical names first."""
    return tuple(t.name for t in TRAINERS) + tuple(a for t in TRAINERS for a in t.aliases)


def trainer(name: str) -> Trainer:
    for t in TRAINERS:
        if name == t.name or name in t.aliases:
            return t
    raise BadInput(f"--preset {name!r} is unknown; use one of: {', '.join(names())}")


def score_format(preset: str | None, score_regex: str | None, step_regex: str | None,
                 window: int | None) -> ScoreFormat:
    """The format of a preset's trainer (:mod:`profiler.trainers`), or of the user's two regexes
    (``ValueError`` naming the fix)."""
    if preset is not None:
        if score_regex or step_regex:
            raise ValueError("--preset reads the trainer's own output; drop --score-regex and --step-regex, or the preset")
        scored = [t.name for t in TRAINERS if t.score_format is not None]
        if preset not in names():
            raise ValueError(f"--preset {preset!r} is unknown; advisor reads the scores of {', '.join(scored)} (or give "
                             "--score-regex and --step-regex)")
        base = trainer(preset).score_format
        if base is None:
            raise ValueError(f"--preset {preset} prints no score advisor can read; use {' or '.join(scored)}, or "
                             "--score-regex and --step-regex")
        return base if window is None else ScoreFormat(**{**base.__dict__, "window": window})
    if not score_regex or not step_regex:
        raise ValueError("give --preset cleanrl|sb3, or both --score-regex and --step-regex (e.g. --score-regex "
                         "'return=([-0-9.]+)' --step-regex 'step=([0-9]+)')")
    return ScoreFormat(score_regex=score_regex, step_regex=step_regex, window=window or 1)


__all__ = ["PresetCommand", "ScoreFormat", "TRAINERS", "Trainer", "names", "score_format", "trainer"]
