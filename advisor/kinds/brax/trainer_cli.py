"""The command line of MuJoCo Playground's Brax PPO trainer, ``learning/train_jax_ppo.py``, for a
recommendation: what a Playground user pastes instead of editing ``ppo_params``.

``pip install playground`` installs that script as the ``train-jax-ppo`` command (the wheel's
``learning`` package; from a clone of the repository it is ``python learning/train_jax_ppo.py``).
It starts from ``brax_ppo_config(env, impl)`` of the env's family and sets ``ppo_params.<name>``
from each flag given on the command line (absl flags, ``--name=value``); flags not given leave
Playground's defaults in place, so the recommendation's own accounting (Playground's
``num_evals`` and ``num_resets_per_eval``) is what the command runs.

:data:`FLAGS` is the flag names and kinds the script defines, recorded from the released package:
playground 0.2.0's wheel on PyPI (``playground-0.2.0-py3-none-any.whl``), file
``learning/train_jax_ppo.py``, sha256 (urlsafe base64, as its RECORD lists it)
``wIJXDw5yu5dh-0CRZ8Ft6IEXLq0HazU83J5jbus4mCs``. Where Playground is installed, a test parses the
emitted flags with the script's own flag definitions and checks this record against them.
"""

from __future__ import annotations

import shlex
from typing import Any

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
