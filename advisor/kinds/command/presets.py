"""Presets of ``advisor calibrate command``: the argument list, environment and iteration of a
published trainer, so the user types only how they start it. The knowledge of each trainer
(flags, rounding, output) lives in :mod:`profiler.trainers`; this module decides how the sweep
learns each run's env steps from it:

- the preset knows the iteration (CleanRL's ``--num-steps`` or its script's default,
  LocoMuJoCo's ``num_steps``, rl_zoo3 with ``n_steps:`` in ``--hyperparams``): runs are whole
  iterations (``given``), and the steps the output reports are used where it reports them;
- else the program reports the steps it ran (rl_zoo3's table, Playground's progress lines):
  ``reported``;
- else advisor finds the iteration from the wall time (``detect``).
"""

from __future__ import annotations

from dataclasses import dataclass

from profiler.trainers import names, trainer
from profiler.trainers.base import Trainer

#: Every name ``--preset`` takes.
PRESETS = names()


@dataclass(frozen=True)
class Preset:
    """What a preset adds to a command: see the module docstring for ``iteration``."""

    name: str
    argv: tuple[str, ...]
    env: dict[str, str]
    num_steps: int | None
    minibatch_size: int | None
    rounding: str | None
    iteration: str


def reports_steps(t: Trainer) -> bool:
    return type(t).steps_run is not Trainer.steps_run


def preset_command(name: str, command: list[str], minibatch_size: int | None, num_steps: int | None) -> Preset:
    """The command ``--preset name`` runs (bad input names the fix)."""
    t = trainer(name)
    built = t.command(command, num_steps, minibatch_size)
    if built.num_steps is not None:
        iteration = "given"
    elif reports_steps(t) and t.name != "cleanrl":  # CleanRL's SPS lines count iterations, not steps
        iteration = "reported"
    else:
        iteration = "detect"
    return Preset(t.name, built.argv, dict(built.env), built.num_steps, built.minibatch_size, built.rounding, iteration)
