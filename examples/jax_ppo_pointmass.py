"""PPO on a pure-JAX point-mass environment: a small, complete training script to calibrate with
``advisor calibrate command``.

The environment is a 2-D point mass pushed by a bounded force towards a random goal (reward: the
negative distance; episodes of 100 steps, reset automatically). Each training iteration rolls
out ``--num-steps`` steps in ``--num-envs`` parallel envs, computes GAE advantages and runs
``--update-epochs`` epochs of clipped PPO over ``--num-minibatches`` minibatches, all in one
jitted function; iterations run until ``--total-timesteps`` env steps
(``total_timesteps // (num_envs * num_steps)`` iterations, at least one).

At the end it prints its own throughput: ``steady-state env steps/s: N`` over the iterations after
the first (which compiles), and ``fixed cost: S s``, the time from process start to the end of
the first iteration less one steady-state iteration (start-up, imports and compile); on a GPU also
``device peak bytes in use: B``, JAX's allocator peak, to set beside what advisor's memory hook
records. ``--quiet`` prints nothing. ``--log-returns`` also prints, after each iteration in which episodes
ended, ``global_step=N, episodic_return=R`` (their mean return), the lines ``advisor race`` reads.

    python examples/jax_ppo_pointmass.py --num-envs 256 --total-timesteps 200000
"""

from __future__ import annotations

import argparse
import os
import time


def process_age_s() -> float:
    """Seconds since this process started (Linux: from /proc; elsewhere since this line)."""
    try:
        with open("/proc/self/stat") as handle:
            start_ticks = int(handle.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as handle:
            uptime = float(handle.read().split()[0])
        return uptime - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--num-envs", type=int, default=64)
    parser.add_argument("--total-timesteps", type=int, default=100_000)
    parser.add_argument("--num-steps", type=int, default=32, help="rollout length per env per iteration")
    parser.add_argument("--num-minibatches", type=int, default=4)
    parser.add_argument("--update-epochs", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    parser.add_argument("--log-returns", action="store_true",
                        help="print global_step=N, episodic_return=R after each iteration in which episodes ended "
                             "(R: their mean return), as CleanRL does; what 'advisor race --preset cleanrl' reads")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    import jax
    import jax.numpy as jnp
    import optax

    dt, horizon, obs_dim, act_dim = 0.05, 100, 6, 2

    def env_reset(key):
        k1, k2 = jax.random.split(key)
        return {"pos": jax.random.uniform(k1, (2,), minval=-1, maxval=1), "vel": jnp.zeros(2),
                "goal": jax.random.uniform(k2, (2,), minval=-1, maxval=1), "t": jnp.zeros((), jnp.int32)}

    def observe(s):
        return jnp.concatenate([s["pos"], s["vel"], s["goal"] - s["pos"]])

    def env_step(s, action, key):
        force = jnp.clip(action, -1.0, 1.0)
        vel = 0.95 * s["vel"] + dt * force
        pos = jnp.clip(s["pos"] + dt * vel, -2.0, 2.0)
        reward = -jnp.linalg.norm(s["goal"] - pos)
        nxt = {"pos": pos, "vel": vel, "goal": s["goal"], "t": s["t"] + 1}
        done = nxt["t"] >= horizon
        nxt = jax.tree_util.tree_map(lambda a, b: jnp.where(done, a, b), env_reset(key), nxt)
        return nxt, reward, done

    def dense(key, n_in, n_out, scale):
        return {"w": jax.random.normal(key, (n_in, n_out)) * scale / jnp.sqrt(n_in), "b": jnp.zeros(n_out)}

    def init_params(key):
        keys = jax.random.split(key, 6)
        h = args.hidden
        return {"pi": [dense(keys[0], obs_dim, h, 1.0), dense(keys[1], h, h, 1.0), dense(keys[2], h, act_dim, 0.01)],
                "v": [dense(keys[3], obs_dim, h, 1.0), dense(keys[4], h, h, 1.0), dense(keys[5], h, 1, 1.0)],
                "log_std": jnp.full(act_dim, -0.5, jnp.float32)}

    def mlp(layers, x):
        for layer in layers[:-1]:
            x = jnp.tanh(x @ layer["w"] + layer["b"])
        return x @ layers[-1]["w"] + layers[-1]["b"]

    def log_prob(params, obs, action):
        mean, log_std = mlp(params["pi"], obs), params["log_std"]
        return jnp.sum(-0.5 * ((action - mean) / jnp.exp(log_std)) ** 2 - log_std - 0.5 * jnp.log(2 * jnp.pi), -1)

    n, steps = args.num_envs, args.num_steps
    batch = n * steps
    minibatch = batch // args.num_minibatches
    optimizer = optax.chain(optax.clip_by_global_norm(0.5), optax.adam(args.lr))

    def rollout_step(carry, _):
        params, states, key = carry
        key, k_act, k_env = jax.random.split(key, 3)
        obs = jax.vmap(observe)(states)
        mean = mlp(params["pi"], obs)
        action = mean + jnp.exp(params["log_std"]) * jax.random.normal(k_act, mean.shape)
        value = mlp(params["v"], obs)[:, 0]
        states, reward, done = jax.vmap(env_step)(states, action, jax.random.split(k_env, n))
        return (params, states, key), (obs, action, log_prob(params, obs, action), value, reward, done)

    def loss_fn(params, mb):
        obs, action, old_logp, adv, ret = mb
        ratio = jnp.exp(log_prob(params, obs, action) - old_logp)
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        pg = -jnp.minimum(ratio * adv, jnp.clip(ratio, 0.8, 1.2) * adv).mean()
        v = mlp(params["v"], obs)[:, 0]
        return pg + 0.5 * ((v - ret) ** 2).mean()

    def update(carry):
        params, opt_state, states, key = carry
        (params, states, key), (obs, action, logp, value, reward, done) = jax.lax.scan(
            rollout_step, (params, states, key), None, steps)
        last_value = mlp(params["v"], jax.vmap(observe)(states))[:, 0]

        def gae(next_adv_value, xs):
            next_adv, next_value = next_adv_value
            r, v, d = xs
            delta = r + 0.99 * next_value * (1 - d) - v
            adv = delta + 0.99 * 0.95 * (1 - d) * next_adv
            return (adv, v), adv

        _, adv = jax.lax.scan(gae, (jnp.zeros(n), last_value), (reward, value, done.astype(jnp.float32)), reverse=True)
        data = [x.reshape((batch,) + x.shape[2:]) for x in (obs, action, logp, adv, adv + value)]

        def epoch(carry, key):
            params, opt_state = carry
            order = jax.random.permutation(key, batch)
            shuffled = [x[order].reshape((args.num_minibatches, minibatch) + x.shape[1:]) for x in data]

            def sgd(carry, mb):
                params, opt_state = carry
                grads = jax.grad(loss_fn)(params, mb)
                updates, opt_state = optimizer.update(grads, opt_state)
                return (optax.apply_updates(params, updates), opt_state), None

            return jax.lax.scan(sgd, (params, opt_state), shuffled)[0], None

        key, k_epochs = jax.random.split(key)
        (params, opt_state), _ = jax.lax.scan(epoch, (params, opt_state), jax.random.split(k_epochs, args.update_epochs))
        if args.log_returns:  # the rewards and episode ends of the rollout, for the returns printed per iteration
            return (params, opt_state, states, key), (reward.mean(), reward, done)
        return (params, opt_state, states, key), reward.mean()

    def init(key):
        key, k_params, k_env = jax.random.split(key, 3)
        params = init_params(k_params)
        return params, optimizer.init(params), jax.vmap(env_reset)(jax.random.split(k_env, n)), key

    carry = jax.jit(init)(jax.random.PRNGKey(args.seed))
    step = jax.jit(update, donate_argnums=0)
    iterations = max(1, args.total_timesteps // batch)
    times = []
    running = None
    for iteration in range(iterations):
        started = time.perf_counter()
        carry, out = step(carry)
        mean_reward = out[0] if args.log_returns else out
        jax.block_until_ready(mean_reward)
        times.append(time.perf_counter() - started)
        if len(times) == 1:
            first_done = process_age_s()
        if args.log_returns:
            import numpy as np

            rewards, dones = np.asarray(out[1]), np.asarray(out[2])
            running = np.zeros(n) if running is None else running
            finished = []
            for r, d in zip(rewards, dones):
                running += r
                finished += list(running[d])
                running[d] = 0.0
            if finished:
                print(f"global_step={(iteration + 1) * batch}, episodic_return={float(np.mean(finished)):.3f}", flush=True)
    if args.quiet:
        return
    print(f"iterations: {iterations}, env steps: {iterations * batch}, last mean reward: {float(mean_reward):.3f}")
    if len(times) > 1:
        steady = sum(times[1:])
        print(f"steady-state env steps/s: {batch * (len(times) - 1) / steady:.1f}")
        print(f"fixed cost: {first_done - steady / (len(times) - 1):.3f} s")
    else:
        print("steady-state env steps/s: n/a (one iteration; raise --total-timesteps)")
    stats = jax.devices()[0].memory_stats() or {}  # None on CPU
    if "peak_bytes_in_use" in stats:
        print(f"device peak bytes in use: {stats['peak_bytes_in_use']}")


if __name__ == "__main__":
    main()
