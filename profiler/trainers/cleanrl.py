"""CleanRL's single-file PPO scripts (``ppo_continuous_action.py``, ``ppo.py``, ...), as published
in vwxyzjn/cleanrl and run unmodified.

- Flags (tyro, from the script's ``Args`` dataclass): ``--num-envs``, ``--num-steps``,
  ``--total-timesteps``; :data:`ARGS` records the fields of ``ppo_continuous_action.py``.
- Iteration: ``batch_size = num_envs * num_steps``; ``num_iterations = total_timesteps //
  batch_size`` (rounded down: a budget below one batch trains nothing).
- Output: ``SPS: N`` once per iteration (``global_step / (time.time() - start_time)``: a
  cumulative average over the whole loop, first iteration included), and ``global_step=N,
  episodic_return=R`` whenever an episode ends (a NumPy scalar in the gymnasium-1.x scripts,
  a one-element array ``[R]`` in the older ones).
"""

from __future__ import annotations

import os
import re

from profiler.trainers.base import PresetCommand, Trainer, flag_value, positive_int, refuse_flags
from profiler.trainers.scores import NUMBER, ScoreFormat

#: ``num_steps`` defaults of the published scripts (their ``Args``), by file name.
DEFAULT_NUM_STEPS = {
    "ppo_continuous_action.py": 2048, "rpo_continuous_action.py": 2048, "ppo.py": 128, "ppo_atari.py": 128,
    "ppo_atari_lstm.py": 128, "ppo_atari_envpool.py": 128, "ppo_procgen.py": 256,
}
#: The fields of ``Args`` in ``cleanrl/ppo_continuous_action.py`` (tyro turns ``num_envs`` into
#: ``--num-envs``), recorded from vwxyzjn/cleanrl pull request 516 (the gymnasium 1.x port), commit
#: 21e6c7b91ecacb964cd589a0a5bc09763c2b02cf, file sha256
#: 2ab1dbc8160594765131035db482b5f5284c07a100d8b45b53677e90862668e7. A test parses the preset's
#: flags with tyro against this record, and against the script itself where a copy is present.
ARGS = {
    "exp_name": str, "seed": int, "torch_deterministic": bool, "cuda": bool, "track": bool,
    "wandb_project_name": str, "wandb_entity": str, "capture_video": bool, "save_model": bool,
    "upload_model": bool, "hf_entity": str, "env_id": str, "total_timesteps": int, "learning_rate": float,
    "num_envs": int, "num_steps": int, "anneal_lr": bool, "gamma": float, "gae_lambda": float,
    "num_minibatches": int, "update_epochs": int, "norm_adv": bool, "clip_coef": float, "clip_vloss": bool,
    "ent_coef": float, "vf_coef": float, "max_grad_norm": float, "target_kl": float, "batch_size": int,
    "minibatch_size": int, "num_iterations": int,
}
SPS = re.compile(r"^SPS: ([0-9]+)\s*$", re.MULTILINE)
#: Episodes averaged into one score: one episode's return is noisy.
WINDOW = 20


def flag(name: str) -> str:
    """tyro's flag for an ``Args`` field."""
    return "--" + name.replace("_", "-")


class CleanRL(Trainer):
    name = "cleanrl"
    title = "CleanRL's single-file PPO scripts (tyro flags --num-envs, --num-steps, --total-timesteps)"
    example = "python ppo_continuous_action.py --env-id HalfCheetah-v5"
    seed_args = ("--seed", "{seed}")
    sets_num_steps = True
    rounding = "floor"
    score_format = ScoreFormat(score_regex=r"episodic_return=" + NUMBER, step_regex=r"global_step=(\d+)", window=WINDOW,
                               preset="cleanrl")

    def command(self, command: list[str], num_steps: int | None, minibatch_size: int | None) -> PresetCommand:
        self.needs_command(command)
        refuse_flags(self.name, command, ("--num-envs", "--total-timesteps"))
        argv = list(command) + [flag("num_envs"), "{num_envs}", flag("total_timesteps"), "{total_timesteps}"]
        given = flag_value(command, flag("num_steps"))
        if given is not None:  # the user's own rollout length stays as written; it is the iteration
            if num_steps is not None and num_steps != positive_int(self.name, "--num-steps", given):
                from profiler.errors import BadInput

                raise BadInput(f"the command says --num-steps {given} and advisor's --num-steps says {num_steps}; "
                               "give one of them")
            steps = positive_int(self.name, "--num-steps", given)
        elif num_steps is not None:
            argv += [flag("num_steps"), "{num_steps}"]
            steps = num_steps
        else:
            script = next((os.path.basename(a) for a in command if a.endswith(".py")), "")
            steps = DEFAULT_NUM_STEPS.get(script)
        return PresetCommand(argv=tuple(argv), num_steps=steps, minibatch_size=minibatch_size, rounding=self.rounding)

    def steps_run(self, text: str, values: dict[str, int]) -> int | None:
        """One ``SPS:`` line per iteration of ``num_envs * num_steps`` env steps."""
        if not values.get("num_steps"):
            return None
        return len(SPS.findall(text)) * values["num_envs"] * values["num_steps"]

    def report_times(self, text: str, values: dict[str, int]) -> list[tuple[float, float]]:
        """From the cumulative ``SPS:`` averages: after iteration i the loop had run ``i * batch``
        steps in ``i * batch / SPS_i`` seconds."""
        rates = [int(v) for v in SPS.findall(text)]
        if not values.get("num_steps") or not rates or min(rates) <= 0:
            return []
        batch = values["num_envs"] * values["num_steps"]
        return [(i * batch, i * batch / rate) for i, rate in enumerate(rates, 1)]


TRAINER = CleanRL()
