"""MuJoCo Playground's Brax PPO trainer, ``learning/train_jax_ppo.py``, run unmodified:
``pip install playground`` installs it as the ``train-jax-ppo`` command (the wheel's ``learning``
package); from a clone of google-deepmind/mujoco_playground it is ``python
learning/train_jax_ppo.py``.

- Flags (absl, ``--name=value``): :data:`FLAGS`, recorded from the released package: playground
  0.2.0's wheel on PyPI, file ``learning/train_jax_ppo.py``, sha256 (urlsafe base64, as the wheel's
  RECORD lists it) ``wIJXDw5yu5dh-0CRZ8Ft6IEXLq0HazU83J5jbus4mCs``. Flags not given keep
  Playground's defaults for the env (``brax_ppo_config``). This record is the one place advisor
  keeps that script's flags, for every feature that writes its command line.
- Iteration: Brax trains ``num_timesteps`` in ``num_evals - 1`` epochs of whole training steps of
  ``batch_size * unroll_length * num_minibatches * action_repeat`` env steps, so a run overshoots
  its budget (Playground's DM Control defaults run 88,473,600 steps for 60M).
- Output: ``{steps}: reward={r}`` at each evaluation (``--run_evals``, on by default), the last
  one at the steps trained; ``{steps}: mean episode reward={r}`` with ``--log_training_metrics``.
"""

from __future__ import annotations

import re
from typing import Any

from profiler.trainers.base import PresetCommand, Trainer, refuse_flags
from profiler.trainers.scores import NUMBER, ScoreFormat

#: The script's console command (``[console_scripts] train-jax-ppo = learning.train_jax_ppo:run``).
COMMAND = "train-jax-ppo"
#: The same script in a clone of google-deepmind/mujoco_playground.
SCRIPT = "learning/train_jax_ppo.py"
#: Flag name -> its kind in train_jax_ppo.py (playground 0.2.0): ``int``, ``float``, ``bool``,
#: ``str``, ``list`` (comma-separated), or a tuple of the values an enum flag accepts.
FLAGS: dict[str, Any] = {
    "env_name": "str", "impl": ("jax", "warp"), "playground_config_overrides": "str", "vision": "bool",
    "load_checkpoint_path": "str", "suffix": "str", "play_only": "bool", "use_wandb": "bool", "use_tb": "bool",
    "domain_randomization": "bool", "seed": "int", "num_timesteps": "int", "num_videos": "int",
    "num_evals": "int", "reward_scaling": "float", "episode_length": "int", "normalize_observations": "bool",
    "action_repeat": "int", "unroll_length": "int", "num_minibatches": "int", "num_updates_per_batch": "int",
    "discounting": "float", "learning_rate": "float", "entropy_cost": "float", "num_envs": "int",
    "num_eval_envs": "int", "batch_size": "int", "max_grad_norm": "float", "clipping_epsilon": "float",
    "policy_hidden_layer_sizes": "list", "value_hidden_layer_sizes": "list", "policy_obs_key": "str",
    "value_obs_key": "str", "rscope_envs": "int", "deterministic_rscope": "bool", "run_evals": "bool",
    "log_training_metrics": "bool", "training_metrics_steps": "int", "warp_kernel_cache_dir": "str",
    "logdir": "str",
}
PROGRESS = re.compile(r"^([0-9]+): (?:mean episode )?reward=([-+0-9.eE]+|nan)", re.MULTILINE)


def flag(name: str, value: Any) -> str:
    """``--name=value`` for one of :data:`FLAGS` (refused when the script has no such flag)."""
    if name not in FLAGS:
        raise ValueError(f"train_jax_ppo.py has no flag --{name}")
    return f"--{name}={value}"


class PlaygroundTrainer(Trainer):
    name = "brax-train"
    aliases = ("playground",)
    title = "MuJoCo Playground's Brax PPO trainer, learning/train_jax_ppo.py (--num_envs=, --num_timesteps=)"
    example = f"{COMMAND} --env_name=CartpoleBalance"
    seed_args = ("--seed={seed}",)
    score_format = ScoreFormat(score_regex=r"^[0-9]+: (?:mean episode )?reward=" + NUMBER, step_regex=r"^([0-9]+): ",
                               preset="brax-train")

    def command(self, command: list[str], num_steps: int | None, minibatch_size: int | None) -> PresetCommand:
        self.needs_command(command)
        refuse_flags(self.name, command, ("--num_envs", "--num_timesteps"))
        if num_steps is not None:
            from profiler.errors import BadInput

            raise BadInput("--preset brax-train reads the steps Brax trained from its output; drop --num-steps")
        argv = list(command) + [flag("num_envs", "{num_envs}"), flag("num_timesteps", "{total_timesteps}")]
        return PresetCommand(argv=tuple(argv), num_steps=None, minibatch_size=minibatch_size, rounding=None)

    def steps_run(self, text: str, values: dict[str, int]) -> int | None:
        found = PROGRESS.findall(text)
        return int(found[-1][0]) if found else None


TRAINER = PlaygroundTrainer()
