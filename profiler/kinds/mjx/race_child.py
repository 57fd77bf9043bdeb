"""One run of ``advisor race --kind mjx``: the MJX PPO workload a profile calibrated, trained from a
fresh start in this process, printing its progress as a trainer does, one line per update in which
episodes ended::

    global_step=409600, episodic_return=12.3456

(env steps so far; the mean return of the episodes that ended during that update's rollout). The
race (:mod:`profiler.race.engine`) reads these lines and pauses, resumes and ends the process.

The program is the calibrated one (:func:`profiler.kinds.mjx.workload.make_train`): ``init`` and
every update as **one** ``lax.scan``, jitted and run once, each update its rollout (``collect``)
then its epochs of minibatch steps (``learn``), exactly ``update``. The only addition is the
episode bookkeeping on the device (a running return per env, summed where an episode ends) and
one ``jax.debug.callback`` per update handing the host two scalars, as LocoMuJoCo's training hands
its logging callback the update's metrics. Start-up, tracing and compile run before the first
line, and count in the run's time to score as they do for a user.

    python -m profiler.kinds.mjx.race_child --model humanoid --num-envs 2048 --seed 1 \\
        --total-timesteps 50000000 [--num-steps 50] [--minibatch-size 2048 | --num-minibatches 32] \\
        [--update-epochs 4] [--hidden-layers 512,256] [--platform cpu|gpu] [--horizon 1000] ...
"""

from __future__ import annotations

import argparse
import sys
from typing import Any


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m profiler.kinds.mjx.race_child", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="MJCF short name or path")
    parser.add_argument("--num-envs", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--total-timesteps", type=int, required=True)
    parser.add_argument("--num-steps", type=int, default=50)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--num-minibatches", type=int, default=None)
    group.add_argument("--minibatch-size", type=int, default=None,
                       help="samples per minibatch to aim for: num_minibatches divides num_envs x num_steps nearest it")
    parser.add_argument("--update-epochs", type=int, default=4)
    parser.add_argument("--hidden-layers", default="512,256")
    parser.add_argument("--n-substeps", type=int, default=1)
    parser.add_argument("--solver-iterations", type=int, default=None)
    parser.add_argument("--ls-iterations", type=int, default=None)
    parser.add_argument("--timestep", type=float, default=None)
    parser.add_argument("--horizon", type=int, default=1000, help="env steps after which an episode ends")
    parser.add_argument("--platform", choices=("cpu", "gpu"), default=None)
    args = parser.parse_args(argv)
    for name in ("num_envs", "total_timesteps", "num_steps", "update_epochs", "n_substeps", "horizon"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be a positive whole number")
    return args


def num_minibatches(args: argparse.Namespace) -> int:
    """The run's minibatch count: given, else the divisor of the batch nearest ``--minibatch-size``
    (the rule ``advisor recommend --kind mjx`` emits configs by), else LocoMuJoCo's 32."""
    from profiler.minibatch import nearest_num_minibatches

    if args.num_minibatches is not None:
        return args.num_minibatches
    if args.minibatch_size is not None:
        return nearest_num_minibatches(args.num_envs, args.num_steps, args.minibatch_size)
    return 32


def episode_returns(running: Any, reward: Any, done: Any, num_steps: int, num_envs: int) -> tuple[Any, Any, Any]:
    """Walk one rollout's rewards and ends (flattened over steps then envs, as ``collect`` gives
    them): ``(running returns after it, sum of the returns of episodes that ended, how many ended)``."""
    import jax
    import jax.numpy as jnp

    def step(run: Any, rd: tuple[Any, Any]) -> tuple[Any, tuple[Any, Any]]:
        r, d = rd
        run = run + r
        return run * (1.0 - d), (jnp.sum(run * d), jnp.sum(d))

    running, (ended, count) = jax.lax.scan(step, running, (reward.reshape(num_steps, num_envs),
                                                            done.reshape(num_steps, num_envs)))
    return running, jnp.sum(ended), jnp.sum(count)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    from profiler.jax_child import configure_jax_environment, skip_warp
    from profiler.kinds.mjx.mjcf import resolve_model

    path = resolve_model(args.model)
    configure_jax_environment(None, args.platform)
    skip_warp()
    import jax
    import jax.numpy as jnp

    from profiler.kinds.mjx.workload import MjxEnv, PPOConfig, make_train

    config = PPOConfig(num_envs=args.num_envs, num_steps=args.num_steps, num_minibatches=num_minibatches(args),
                       update_epochs=args.update_epochs,
                       hidden_layers=tuple(int(h) for h in args.hidden_layers.split(",")),
                       total_timesteps=args.total_timesteps)
    env = MjxEnv.from_path(str(path), n_substeps=args.n_substeps, solver_iterations=args.solver_iterations,
                           ls_iterations=args.ls_iterations, timestep=args.timestep, horizon=args.horizon)
    fns = make_train(config, env)
    batch = config.batch_size
    print(f"num_envs={config.num_envs} num_steps={config.num_steps} num_minibatches={config.num_minibatches} "
          f"update_epochs={config.update_epochs} batch={batch} updates={max(config.num_updates, 1)}", flush=True)

    def report(i: Any, ended: Any, count: Any) -> None:
        if int(count) > 0:
            print(f"global_step={(int(i) + 1) * batch}, episodic_return={float(ended) / int(count):.6g}", flush=True)

    def body(carry: tuple, i: Any) -> tuple[tuple, None]:
        state, running = carry
        state, flat = fns.collect(state)
        state, _metrics = fns.learn(state, flat)
        running, ended, count = episode_returns(running, flat[0].reward, flat[0].done, config.num_steps,
                                                config.num_envs)
        jax.debug.callback(report, i, ended, count, ordered=True)
        return (state, running), None

    def train(rng: Any) -> Any:
        carry = (fns.init(rng), jnp.zeros((config.num_envs,), jnp.float32))
        return jax.lax.scan(body, carry, jnp.arange(max(config.num_updates, 1)))[0]

    key = jax.random.PRNGKey(args.seed)
    jax.block_until_ready(jax.jit(train)(key))
    print(f"global_step={max(config.num_updates, 1) * batch} done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
