"""LocoMuJoCo's JAX PPO trainer (``examples/training_examples/jax_rl/experiment.py``, configured
by Hydra), run unmodified.

- Overrides: ``experiment.num_envs=``, ``experiment.num_minibatches=`` (the divisor of ``num_envs
  * num_steps`` nearest ``--minibatch-size`` samples: LocoMuJoCo asserts exact divisibility),
  ``experiment.total_timesteps=``, ``experiment.validation.active=false`` (its validation passes
  are not training) and ``WANDB_MODE=disabled``; ``experiment.num_steps=`` with ``--num-steps``.
- Iteration: ``num_updates = total_timesteps // num_steps // num_envs`` (rounded down), with
  ``num_steps`` 50 in LocoMuJoCo's examples.
- Output: nothing about throughput or steps.
"""

from __future__ import annotations

from profiler.errors import BadInput
from profiler.minibatch import DEFAULT_MINIBATCH_SIZE
from profiler.trainers.base import PresetCommand, Trainer

NUM_STEPS = 50
KEYS = ("experiment.num_envs", "experiment.num_minibatches", "experiment.total_timesteps",
        "experiment.validation.active", "experiment.num_steps")


class LocoMuJoCo(Trainer):
    name = "locomujoco"
    title = "LocoMuJoCo's JAX PPO experiment.py (Hydra overrides experiment.num_envs=, ...)"
    example = "python experiment.py"
    rounding = "floor"

    def command(self, command: list[str], num_steps: int | None, minibatch_size: int | None) -> PresetCommand:
        self.needs_command(command)
        for arg in command:
            key = arg.lstrip("+").partition("=")[0]
            if key in KEYS:
                raise BadInput(f"--preset locomujoco sets {key} itself; drop {arg!r} from the command")
        argv = list(command) + ["experiment.num_envs={num_envs}", "experiment.num_minibatches={num_minibatches}",
                                "experiment.total_timesteps={total_timesteps}", "experiment.validation.active=false"]
        if num_steps is not None:
            argv.append("experiment.num_steps={num_steps}")
        return PresetCommand(argv=tuple(argv), env={"WANDB_MODE": "disabled"}, num_steps=num_steps or NUM_STEPS,
                             minibatch_size=minibatch_size or DEFAULT_MINIBATCH_SIZE, rounding=self.rounding)


TRAINER = LocoMuJoCo()
