"""Published trainers advisor knows by name: one module each (their flags, how they round a step
budget into iterations, what their output says), read by ``calibrate command --preset`` and any
other feature that runs or reads them. :func:`trainer` finds one by its name or an alias."""

from __future__ import annotations

from profiler.errors import BadInput
from profiler.trainers import cleanrl, locomujoco, playground, sb3
from profiler.trainers.base import PresetCommand, Trainer

TRAINERS: tuple[Trainer, ...] = (cleanrl.TRAINER, sb3.TRAINER, playground.TRAINER, locomujoco.TRAINER)


def names() -> tuple[str, ...]:
    """Every name a preset answers to, canonical names first."""
    return tuple(t.name for t in TRAINERS) + tuple(a for t in TRAINERS for a in t.aliases)


def trainer(name: str) -> Trainer:
    for t in TRAINERS:
        if name == t.name or name in t.aliases:
            return t
    raise BadInput(f"--preset {name!r} is unknown; use one of: {', '.join(names())}")


__all__ = ["PresetCommand", "TRAINERS", "Trainer", "names", "trainer"]
