"""Stable-Baselines3 through RL Baselines3 Zoo's trainer (``python -m rl_zoo3.train`` or ``rl_zoo3
train``), run unmodified.

- Flags (argparse): ``-n``/``--n-timesteps`` (the step budget), ``-params``/``--hyperparams``
  ``key:value ...`` (``n_envs:8``; the zoo evaluates each value, and a second ``--hyperparams``
  replaces the first, so the preset adds ``n_envs`` to the user's own list).
- Iteration: on-policy algorithms collect ``n_steps`` per env per rollout and run whole rollouts
  until at least the budget (rounded up to ``n_envs * n_steps``); ``n_steps`` comes from the zoo's
  hyperparameter file for the env unless the command sets it.
- Output (``--verbose 1``, the zoo's default): one table per rollout (``--log-interval``) with
  ``time/total_timesteps`` (steps so far), ``time/fps`` (steps since ``learn()`` started over its
  wall time: a cumulative average, first rollout included) and ``rollout/ep_rew_mean``.
- Evaluation: every ``--eval-freq`` env steps (default 25,000; negative: none) the zoo's
  ``EvalCallback`` plays ``--eval-episodes`` episodes, counting ``eval_freq // n_envs`` calls of the
  vectorised env, so every ``(eval_freq // n_envs) * n_envs`` env steps; on HalfCheetah-v5 at 8 envs
  about a tenth of the wall time, at 1 env about a fifth. It prints ``Eval num_timesteps=N, ...``
  after each, which the program's own steady figure reads (an evaluation-aligned window of tables,
  :func:`profiler.trainers.base.evaluation_window`).
"""

from __future__ import annotations

import math
import re

from profiler.errors import BadInput
from profiler.trainers.base import PresetCommand, Trainer, flag_value, positive_int, refuse_flags
from profiler.trainers.scores import NUMBER, ScoreFormat

HYPERPARAMS = ("-params", "--hyperparams")
#: rl_zoo3.train's default ``--eval-freq`` (env steps).
EVAL_FREQ = 25_000
#: The line the zoo's ``EvalCallback`` prints after each evaluation (its default ``verbose=1``).
EVAL_LINE = re.compile(r"^Eval num_timesteps=(\d+),", re.MULTILINE)
ROW = re.compile(r"^\|\s*(?:[a-z_]+/)?\s*([A-Za-z_]+)\s*\|\s*([-+0-9.eE]+)\s*\|\s*$", re.MULTILINE)


def table_rows(text: str) -> list[dict[str, float]]:
    """Each logged table as ``{key: value}`` (``total_timesteps``, ``fps``, ``ep_rew_mean``, ...);
    a table ends at its closing line of dashes."""
    tables: list[dict[str, float]] = []
    current: dict[str, float] = {}
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("-") and set(stripped) == {"-"}:
            if current:
                tables.append(current)
                current = {}
            continue
        match = ROW.match(stripped)
        if match:
            try:
                current[match.group(1)] = float(match.group(2))
            except ValueError:
                continue
    if current:
        tables.append(current)
    return [t for t in tables if "total_timesteps" in t]


class StableBaselines3(Trainer):
    name = "sb3"
    aliases = ("rl-zoo3", "rl_zoo3")
    title = "Stable-Baselines3 through rl_zoo3's trainer (-n, --hyperparams n_envs:N)"
    example = "python -m rl_zoo3.train --algo ppo --env HalfCheetah-v5"
    seed_args = ("--seed", "{seed}")
    rounding = "ceil"
    # rollout/ep_rew_mean (already a mean over the last 100 episodes) comes before the same
    # table's time/total_timesteps: a score belongs to the step figure that follows it
    score_format = ScoreFormat(score_regex=r"\|\s*ep_rew_mean\s*\|\s*" + NUMBER,
                               step_regex=r"\|\s*total_timesteps\s*\|\s*(\d+)", step_after_score=True, preset="sb3")

    def command(self, command: list[str], num_steps: int | None, minibatch_size: int | None) -> PresetCommand:
        self.needs_command(command)
        refuse_flags(self.name, command, ("-n", "--n-timesteps"))
        for option, allowed in (("--log-interval", ("-1", "1")), ("--verbose", ("1", "2"))):
            value = flag_value(command, option)
            if value is not None and value not in allowed:
                raise BadInput(f"--preset {self.name} reads the table the zoo logs after every rollout; drop "
                               f"{option} {value} from the command")
        argv = list(command)
        start = next((i for i, a in enumerate(argv) if a in HYPERPARAMS), None)
        items: list[str] = []
        if start is not None:
            end = start + 1
            while end < len(argv) and not argv[end].startswith("-"):
                end += 1
            items = argv[start + 1:end]
            for item in items:
                if item.split(":", 1)[0] == "n_envs":
                    raise BadInput(f"--preset {self.name} sets n_envs itself; drop {item!r} from --hyperparams")
            argv[start + 1:end] = items + ["n_envs:{num_envs}"]
        else:
            argv += ["--hyperparams", "n_envs:{num_envs}"]
        argv += ["-n", "{total_timesteps}"]
        given = next((i.split(":", 1)[1] for i in items if i.split(":", 1)[0] == "n_steps"), None)
        steps = positive_int(self.name, "n_steps", given) if given is not None else num_steps
        if given is None and num_steps is not None:
            raise BadInput("--preset sb3 reads the env's n_steps from the zoo's hyperparameters or its output; to set "
                           "it, add n_steps:N to the command's --hyperparams instead of advisor's --num-steps")
        return PresetCommand(argv=tuple(argv), num_steps=steps, minibatch_size=minibatch_size, rounding=self.rounding)

    def evaluation_period(self, argv: list[str] | tuple[str, ...], num_envs: int) -> int | None:
        value = flag_value(list(argv), "--eval-freq")
        try:
            freq = int(value) if value is not None else EVAL_FREQ
        except ValueError:
            return None
        return max(freq // num_envs, 1) * num_envs if freq > 0 else None

    def steps_run(self, text: str, values: dict[str, int]) -> int | None:
        """The last table's ``total_timesteps``: the zoo logs after each rollout, before its update,
        so the last one counts every step collected."""
        rows = table_rows(text)
        return int(rows[-1]["total_timesteps"]) if rows else None

    def iteration_seen(self, text: str) -> int | None:
        """The zoo logs a table after every rollout (the preset refuses any other ``--log-interval``):
        their ``total_timesteps`` are whole numbers of ``n_envs * n_steps``, the first of them one. (The
        ``EvalCallback`` logs a table of its own, at the evaluation's step, without ``fps``.)"""
        steps = [int(r["total_timesteps"]) for r in table_rows(text) if "fps" in r]  # not EvalCallback's
        return math.gcd(*steps) if len(steps) >= 2 and all(s > 0 for s in steps) else None

    def evaluations(self, text: str) -> list[int]:
        """The steps of the zoo's ``EvalCallback`` lines (``Eval num_timesteps=25000, episode_reward=...``)."""
        return [int(s) for s in EVAL_LINE.findall(text)]

    def report_times(self, text: str, values: dict[str, int]) -> list[tuple[float, float]]:
        """From the cumulative ``fps``: the table at ``total_timesteps`` T was logged ``T / fps``
        seconds into ``learn()``."""
        return [(r["total_timesteps"], r["total_timesteps"] / r["fps"]) for r in table_rows(text) if r.get("fps", 0) > 0]


TRAINER = StableBaselines3()
