"""The command line of MuJoCo Playground's Brax PPO trainer, ``learning/train_jax_ppo.py``, for a
recommendation: what a Playground user pastes instead of editing ``ppo_params``.

``pip install playground`` installs that script as the ``train-jax-ppo`` command (the wheel's
``learning`` package; from a clone of the repository it is ``python learning/train_jax_ppo.py``).
It starts from ``brax_ppo_config(env, impl)`` of the env's family and sets ``ppo_params.<name>``
from each flag given on the command line (absl flags, ``--name=value``); flags not given leave
Playground's defaults in place, so the recommendation's own accounting (Playground's
``num_evals`` and ``num_resets_per_eval``) is what the command runs.

The script's flags are recorded once, in :mod:`profiler.trainers.playground` (:data:`FLAGS`, with
its provenance); a test parses the emitted flags with the script's own definitions where
Playground is installed.
"""

from __future__ import annotations

import shlex
from typing import Any

from profiler.trainers.playground import COMMAND, FLAGS, SCRIPT  # noqa: F401 (SCRIPT, FLAGS: this module's API)


def trainer_args(env: str, impl: str, params: dict[str, Any]) -> list[str]:
    """``--env_name``, ``--impl`` and one ``--name=value`` per ``ppo_params`` override (each
    has a flag of the same name in the script; one without is refused, never dropped)."""
    missing = [k for k in params if k not in FLAGS]
    if missing:
        raise ValueError(f"train_jax_ppo.py has no flag for {', '.join(missing)}")
    if impl not in FLAGS["impl"]:
        raise ValueError(f"train_jax_ppo.py's --impl takes {' or '.join(FLAGS['impl'])}, not {impl!r}")
    return [f"--env_name={env}", f"--impl={impl}"] + [f"--{k}={v}" for k, v in params.items()]


def command_line(env: str, impl: str, params: dict[str, Any], program: str = COMMAND) -> str:
    """The whole command, quoted for a POSIX shell."""
    return " ".join([program] + [shlex.quote(a) for a in trainer_args(env, impl, params)])
