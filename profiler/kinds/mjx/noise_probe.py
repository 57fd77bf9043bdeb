"""The gradient noise scale of the built-in PPO, measured at a calibration point after its timed
iterations: the policy's and the value function's ``B_simple = tr(Sigma) / |G|^2`` apart
(:mod:`profiler.noise`), a prior for the critical batch of the sample-efficiency model.

At the same parameters, one collected batch is split into ``k`` random minibatches of ``b_small``
samples (the config's own minibatch, or an eighth of the batch when it has one); each
minibatch's gradient of the PPO policy loss (clipped surrogate, advantages normalised per
minibatch as in training) and of the value loss gives the small-batch squared norms, and their
mean, the gradient of ``k * b_small`` samples, the large one. Nothing larger than a training
minibatch is differentiated, so the probe needs no more memory than an update. Policy and value
heads are separate MLPs, so each loss's gradient lies in its own head's parameters. Runs in the
measuring child (it imports JAX).
"""

from __future__ import annotations

import math
from typing import Any

import jax
import jax.numpy as jnp

from profiler.kinds.mjx.workload import ActorCritic, MjxEnv, PPOConfig, _log_prob

#: Most minibatches a probe differentiates.
MAX_MINIBATCHES = 32


def probe_sizes(config: PPOConfig) -> tuple[int, int]:
    """``(b_small, k)``: samples per small batch and how many the probe takes."""
    batch = config.batch_size
    b_small = config.minibatch_size if config.num_minibatches > 1 else max(batch // 8, 1)
    return b_small, max(2, min(batch // b_small, MAX_MINIBATCHES))


def make_probe(config: PPOConfig, env: MjxEnv):
    """A jittable ``probe(params, flat, rng) -> dict`` of squared gradient norms: ``policy_small``
    and ``value_small`` (``k`` each) and ``policy_big``, ``value_big``."""
    network = ActorCritic(env.action_size, tuple(config.hidden_layers), config.init_std)
    b_small, k = probe_sizes(config)

    def losses(params: Any, batch: tuple) -> tuple[jax.Array, jax.Array]:
        traj, advantages, targets = batch
        mean, log_std, value = network.apply(params, traj.obs)
        ratio = jnp.exp(_log_prob(mean, log_std, traj.action) - traj.log_prob)
        adv = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
        surrogate = jnp.minimum(ratio * adv, jnp.clip(ratio, 1 - config.clip_eps, 1 + config.clip_eps) * adv)
        value_clipped = traj.value + jnp.clip(value - traj.value, -config.clip_eps, config.clip_eps)
        value_loss = 0.5 * jnp.maximum((value - targets) ** 2, (value_clipped - targets) ** 2).mean()
        return -surrogate.mean(), config.vf_coef * value_loss

    def squared(tree: Any) -> jax.Array:
        return sum(jnp.sum(leaf.astype(jnp.float32) ** 2) for leaf in jax.tree.leaves(tree))

    def probe(params: Any, flat: tuple, rng: jax.Array) -> dict[str, jax.Array]:
        order = jax.random.permutation(rng, config.batch_size)[: k * b_small]
        minibatches = jax.tree.map(lambda x: x[order].reshape((k, b_small) + x.shape[1:]), flat)

        def one(batch: tuple) -> tuple[Any, Any]:
            g_pi = jax.grad(lambda p: losses(p, batch)[0])(params)
            g_v = jax.grad(lambda p: losses(p, batch)[1])(params)
            return g_pi, g_v

        def body(carry: tuple, batch: tuple) -> tuple[tuple, tuple]:
            sum_pi, sum_v = carry
            g_pi, g_v = one(batch)
            carry = (jax.tree.map(jnp.add, sum_pi, g_pi), jax.tree.map(jnp.add, sum_v, g_v))
            return carry, (squared(g_pi), squared(g_v))

        zeros = jax.tree.map(jnp.zeros_like, params)
        (sum_pi, sum_v), (small_pi, small_v) = jax.lax.scan(body, (zeros, zeros), minibatches)
        big_pi = jax.tree.map(lambda g: g / k, sum_pi)
        big_v = jax.tree.map(lambda g: g / k, sum_v)
        return {"policy_small": small_pi, "value_small": small_v, "policy_big": squared(big_pi),
                "value_big": squared(big_v)}

    return probe


def measure_noise(config: PPOConfig, env: MjxEnv, params: Any, flat: tuple, rng: jax.Array) -> dict[str, Any]:
    """The policy's and value function's noise-scale estimates at ``params`` on ``flat``, as JSON."""
    from profiler.noise import noise_scale

    b_small, k = probe_sizes(config)
    norms = jax.jit(make_probe(config, env))(params, flat, rng)
    found = {}
    for head in ("policy", "value"):
        small = [float(v) for v in norms[f"{head}_small"]]
        big = float(norms[f"{head}_big"])
        scale = noise_scale(small, [big] * len(small), b_small, k * b_small)
        found[head] = {"g2": scale.g2, "trace_sigma": scale.trace_sigma, "b_small": b_small, "b_big": k * b_small,
                       "measurements": scale.measurements}
        if not all(math.isfinite(v) for v in (scale.g2, scale.trace_sigma)):
            return {}
    return found
