"""One run of ``advisor race --kind brax``: Brax PPO (``brax.training.agents.ppo.train`` as
released) on a MuJoCo Playground env, from Playground's defaults for the env as its trainer
(``learning/train_jax_ppo.py``) runs them, with the race's ``num_envs``, shape, seed and length,
printing each evaluation as a trainer prints its progress::

    global_step=1310720, episodic_return=412.5

(env steps so far; Brax's ``eval/episode_reward``: the mean return of ``num_eval_envs``
evaluation episodes). Evaluations keep Playground's spacing in env steps for the env (its
``num_timesteps / (num_evals - 1)``) whatever ``--total-timesteps`` is, so a run reads its score as
often as the user's run would; Brax evaluates once before training too (``global_step=0``). The
race (:mod:`profiler.race.engine`) reads these lines and pauses, resumes and ends the process;
start-up, compiles and evaluations count in its time to score as they do for a user.

    python -m profiler.kinds.brax.race_child --env CartpoleBalance --num-envs 256 --seed 1 \\
        --total-timesteps 20000000 [--batch-size 256 --num-minibatches 32 --unroll-length 30 \\
        --num-updates-per-batch 16] [--impl jax] [--platform cpu|gpu]
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

#: The shape a race may set (Brax names); those not given keep Playground's default for the env.
SHAPE = ("batch_size", "num_minibatches", "unroll_length", "num_updates_per_batch")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m profiler.kinds.brax.race_child",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--env", required=True, help="a Playground env name")
    parser.add_argument("--num-envs", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--total-timesteps", type=int, required=True)
    for key in SHAPE:
        parser.add_argument("--" + key.replace("_", "-"), type=int, default=None)
    parser.add_argument("--impl", default="jax", help="MJX implementation of the env (jax, warp)")
    parser.add_argument("--platform", choices=("cpu", "gpu"), default=None)
    args = parser.parse_args(argv)
    for name in ("num_envs", "total_timesteps", *SHAPE):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive whole number")
    return args


def eval_spacing(defaults: dict[str, Any]) -> float:
    """Env steps between two of Playground's evaluations for the env (its ``num_timesteps`` over
    its ``num_evals - 1`` eval periods)."""
    periods = max(int(defaults.get("num_evals", 2)) - 1, 1)
    return max(int(defaults.get("num_timesteps", 0)) / periods, 1.0)


def race_params(args: argparse.Namespace, defaults: dict[str, Any]) -> dict[str, Any]:
    """``ppo.train``'s keyword arguments: Playground's defaults (less what its trainer passes
    otherwise), the race's num_envs and shape, ``num_timesteps`` and as many evaluations as keep
    Playground's spacing over it."""
    params = {k: v for k, v in defaults.items() if k not in ("network_factory", "num_eval_envs")}
    params["num_envs"] = args.num_envs
    for key in SHAPE:
        if getattr(args, key) is not None:
            params[key] = getattr(args, key)
    params["num_timesteps"] = args.total_timesteps
    params["num_evals"] = max(math.ceil(args.total_timesteps / eval_spacing(defaults)), 1) + 1
    return params


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    from profiler.jax_child import check_platform, configure_jax_environment, skip_warp

    configure_jax_environment(None, args.platform)
    if args.impl == "jax":  # Playground's MJX JAX implementation: no Warp to import
        skip_warp()
    check_platform(args.platform)
    from brax.training.agents.ppo import train as ppo
    from mujoco_playground import registry, wrapper

    from profiler.kinds.brax.point import env_families, network_factory, playground_defaults
    from profiler.kinds.brax.rules import env_error, env_family, shape_error

    families = env_families()
    problem = env_error(args.env, families)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    defaults = playground_defaults(args.env, args.impl, env_family(args.env, families))
    params = race_params(args, defaults)
    problem = shape_error(params["num_envs"], params["batch_size"], params["num_minibatches"])
    if problem:
        print(problem, file=sys.stderr)
        return 2
    env = registry.load(args.env, config=registry.get_default_config(args.env), config_overrides={"impl": args.impl})
    print(f"env={args.env} num_envs={args.num_envs} " + " ".join(f"{k}={params[k]}" for k in SHAPE if k in params)
          + f" num_evals={params['num_evals']}", flush=True)

    def progress(step: int, metrics: dict[str, Any]) -> None:
        if "eval/episode_reward" in metrics:
            print(f"global_step={int(step)}, episodic_return={float(metrics['eval/episode_reward']):.6g}", flush=True)

    ppo.train(environment=env, wrap_env_fn=wrapper.wrap_for_brax_training, progress_fn=progress,
              network_factory=network_factory(defaults), num_eval_envs=int(defaults.get("num_eval_envs", 128)),
              seed=args.seed, **params)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
