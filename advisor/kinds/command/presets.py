"""Presets of ``advisor calibrate command``: the argument list and environment a known trainer
needs, so the user types only how they start it.

``locomujoco``: given ``-- python experiment.py`` (LocoMuJoCo's JAX trainer, configured by
Hydra), adds the overrides ``experiment.num_envs={num_envs}``,
``experiment.num_minibatches={num_minibatches}`` (the divisor of ``num_envs * num_steps``
nearest ``--minibatch-size`` samples, LocoMuJoCo asserting exact divisibility),
``experiment.total_timesteps={total_timesteps}`` and ``experiment.validation.active=false`` (its
validation passes are not training), and ``WANDB_MODE=disabled``. ``num_steps`` is the conf's
rollout length, 50 in LocoMuJoCo's examples; with ``--num-steps`` it is also passed as
``experiment.num_steps``.
"""

from __future__ import annotations

from advisor.errors import BadInput
from profiler.minibatch import DEFAULT_MINIBATCH_SIZE

LOCOMUJOCO_NUM_STEPS = 50
LOCOMUJOCO_KEYS = ("experiment.num_envs", "experiment.num_minibatches", "experiment.total_timesteps",
                   "experiment.validation.active", "experiment.num_steps")


def locomujoco(command: list[str], minibatch_size: int | None,
               num_steps: int | None) -> tuple[list[str], dict[str, str], int, int]:
    """``(argv, env, minibatch_size, num_steps)`` for LocoMuJoCo's ``experiment.py``."""
    if not command:
        raise BadInput("--preset locomujoco needs the command that starts training after --, e.g. "
                       "-- python experiment.py")
    for arg in command:
        key = arg.lstrip("+").partition("=")[0]
        if key in LOCOMUJOCO_KEYS:
            raise BadInput(f"--preset locomujoco sets {key} itself; drop {arg!r} from the command")
    argv = list(command) + ["experiment.num_envs={num_envs}", "experiment.num_minibatches={num_minibatches}",
                            "experiment.total_timesteps={total_timesteps}", "experiment.validation.active=false"]
    if num_steps is not None:
        argv.append("experiment.num_steps={num_steps}")
    return argv, {"WANDB_MODE": "disabled"}, minibatch_size or DEFAULT_MINIBATCH_SIZE, num_steps or LOCOMUJOCO_NUM_STEPS
