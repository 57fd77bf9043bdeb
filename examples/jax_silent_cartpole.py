"""A silent JAX training script that runs whole iterations: actor-critic on a batched cart-pole
(pure JAX dynamics), ``total_timesteps // (num_envs * 32)`` iterations of a 32-step rollout and a
few full-batch gradient steps. It prints nothing, as many training scripts do; with ``--log FILE``
it appends its own steady-state figure (env steps/s over the iterations after the first, which
compiles) and the rate over each half of those iterations as one JSON line.

    python examples/jax_silent_cartpole.py --num-envs 256 --total-timesteps 1000000 [--log rates.jsonl]

advisor calibrates it without being told the 32: ``advisor calibrate command --num-envs 16,64,256
-- python examples/jax_silent_cartpole.py --num-envs {num_envs} --total-timesteps {total_timesteps}``
finds the iteration from the wall time.
"""

from __future__ import annotations

import argparse
import json
import time

import jax
import jax.numpy as jnp

NUM_STEPS = 32
HIDDEN = 64
EPOCHS = 4
LR = 3e-3


def cartpole_step(state, action):
    """Cart-pole (Barto et al. 1983) with Euler steps of 0.02 s; a pole past 12 degrees or a cart
    past 2.4 m resets to the upright state. Returns (state, reward, done)."""
    x, x_dot, theta, theta_dot = state[..., 0], state[..., 1], state[..., 2], state[..., 3]
    force = jnp.where(action == 1, 10.0, -10.0)
    cos, sin = jnp.cos(theta), jnp.sin(theta)
    temp = (force + 0.05 * theta_dot**2 * sin) / 1.1
    theta_acc = (9.8 * sin - cos * temp) / (0.5 * (4.0 / 3.0 - 0.1 * cos**2 / 1.1))
    x_acc = temp - 0.05 * theta_acc * cos / 1.1
    new = jnp.stack([x + 0.02 * x_dot, x_dot + 0.02 * x_acc, theta + 0.02 * theta_dot,
                     theta_dot + 0.02 * theta_acc], axis=-1)
    done = (jnp.abs(new[..., 0]) > 2.4) | (jnp.abs(new[..., 2]) > 0.2095)
    return jnp.where(done[..., None], 0.0, new), jnp.ones_like(x), done


def init_params(key):
    k1, k2, k3 = jax.random.split(key, 3)
    return {"w1": jax.random.normal(k1, (4, HIDDEN)) * 0.5, "b1": jnp.zeros(HIDDEN),
            "pi": jax.random.normal(k2, (HIDDEN, 2)) * 0.01, "v": jax.random.normal(k3, (HIDDEN, 1)) * 0.01}


def heads(params, obs):
    hidden = jnp.tanh(obs @ params["w1"] + params["b1"])
    return hidden @ params["pi"], (hidden @ params["v"])[..., 0]


def make_iteration(num_envs: int):
    def rollout(carry, _):
        params, state, key = carry
        key, sub = jax.random.split(key)
        logits, value = heads(params, state)
        action = jax.random.categorical(sub, logits)
        next_state, reward, done = cartpole_step(state, action)
        return (params, next_state, key), (state, action, reward, done, value)

    def loss(params, obs, actions, returns):
        logits, value = heads(params, obs)
        logp = jax.nn.log_softmax(logits)
        chosen = jnp.take_along_axis(logp, actions[..., None], axis=-1)[..., 0]
        advantage = jax.lax.stop_gradient(returns - value)
        return -(chosen * advantage).mean() + 0.5 * ((returns - value) ** 2).mean()

    @jax.jit
    def iteration(params, state, key):
        (params, state, key), (obs, actions, rewards, dones, _values) = jax.lax.scan(
            rollout, (params, state, key), None, length=NUM_STEPS)

        def discount(ret, step):
            reward, done = step
            ret = reward + 0.99 * ret * (1.0 - done)
            return ret, ret

        _, returns = jax.lax.scan(discount, jnp.zeros(num_envs), (rewards, dones.astype(jnp.float32)), reverse=True)
        for _ in range(EPOCHS):
            grads = jax.grad(loss)(params, obs, actions, returns)
            params = jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads)
        return params, state, key

    return iteration


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--num-envs", type=int, required=True)
    parser.add_argument("--total-timesteps", type=int, required=True)
    parser.add_argument("--log", help="append the steady-state env steps/s here (one JSON line)")
    args = parser.parse_args()
    batch = args.num_envs * NUM_STEPS
    iterations = args.total_timesteps // batch
    key = jax.random.PRNGKey(0)
    params = init_params(key)
    state = jnp.zeros((args.num_envs, 4))
    iteration = make_iteration(args.num_envs)
    stamps = []
    for _ in range(iterations):
        params, state, key = iteration(params, state, key)
        jax.block_until_ready(params)
        stamps.append(time.perf_counter())
    if args.log and len(stamps) >= 3:
        steady = batch * (len(stamps) - 1) / (stamps[-1] - stamps[0])
        middle = len(stamps) // 2  # the rate over each half of the run: does it drift as training goes on?
        halves = [batch * middle / (stamps[middle] - stamps[0]),
                  batch * (len(stamps) - 1 - middle) / (stamps[-1] - stamps[middle])]
        with open(args.log, "a") as handle:
            handle.write(json.dumps({"num_envs": args.num_envs, "total_timesteps": args.total_timesteps,
                                     "steps_run": iterations * batch, "steady_sps": steady,
                                     "halves_sps": halves}) + "\n")


if __name__ == "__main__":
    main()
