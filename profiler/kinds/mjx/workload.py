"""The MJX PPO workload: LocoMuJoCo's training shape on any MJCF model.

``num_envs`` MJX environments are vmapped; one training iteration is a ``lax.scan`` rollout of
``num_steps`` env steps, GAE, then ``update_epochs`` x ``num_minibatches`` minibatch updates of
separate actor and critic MLPs (``hidden_layers``, tanh) with optax adam and global-norm gradient
clipping; observations are normalised with running statistics (``normalize_env: true``).
``minibatch_size = num_envs * num_steps / num_minibatches`` must divide exactly, as in
LocoMuJoCo.

Following PureJaxRL, :func:`make_train` is a factory returning pure functions: ``init(rng)``,
``update(runner_state) -> (runner_state, metrics)`` (one iteration, the unit we time) and
``train(rng)`` (the whole ``num_updates`` loop as one scan). This module imports jax and mujoco
and is only imported by the measuring subprocess and tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, NamedTuple

import flax.linen as nn
import jax
import jax.numpy as jnp
import mujoco
import numpy as np
import optax
from mujoco import mjx

from profiler.minibatch import LocoBatch


@dataclass(frozen=True)
class PPOConfig(LocoBatch):
    """PPO hyper-parameters in LocoMuJoCo's ``experiment:`` key names (derived sizes from
    :class:`~profiler.minibatch.LocoBatch`)."""

    num_envs: int
    num_steps: int = 50
    num_minibatches: int = 32
    update_epochs: int = 4
    hidden_layers: tuple[int, ...] = (512, 256)
    total_timesteps: int = 100_000_000
    lr: float = 1e-4
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip_eps: float = 0.2
    init_std: float = 0.8
    ent_coef: float = 0.0
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    normalize_env: bool = True

    def __post_init__(self) -> None:
        if self.batch_size % self.num_minibatches:
            raise ValueError(
                f"num_envs*num_steps={self.batch_size} is not divisible by "
                f"num_minibatches={self.num_minibatches}"
            )



class EnvState(NamedTuple):
    data: Any  # mjx.Data
    first_data: Any  # mjx.Data the episode started from (auto-reset target)
    obs: jax.Array
    t: jax.Array


class MjxEnv:
    """A locomotion task on an MJCF model: reward forward progress of the root subtree's centre
    of mass, a small control cost and (for floating-base models) an alive bonus; the episode ends
    after ``horizon`` steps or when a floating base falls below half its initial height."""

    def __init__(self, mj_model: mujoco.MjModel, horizon: int = 1000, n_substeps: int = 1,
                 reset_noise: float = 0.01):
        self.mj_model = mj_model
        self.horizon = horizon
        self.n_substeps = n_substeps
        self.reset_noise = reset_noise
        self.model = mjx.put_model(mj_model, impl="jax")
        self.free_root = mj_model.njnt > 0 and mj_model.jnt_type[0] == mujoco.mjtJoint.mjJNT_FREE
        qpos0 = mj_model.key_qpos[0] if mj_model.nkey > 0 else mj_model.qpos0
        self.init_qpos = jnp.asarray(qpos0, dtype=jnp.float32)
        self.healthy_z = 0.5 * float(qpos0[2]) if self.free_root and qpos0[2] > 0.05 else None
        limited = mj_model.actuator_ctrllimited.astype(bool)
        low = np.where(limited, mj_model.actuator_ctrlrange[:, 0], -1.0)
        high = np.where(limited, mj_model.actuator_ctrlrange[:, 1], 1.0)
        self.ctrl_low, self.ctrl_high = jnp.asarray(low), jnp.asarray(high)
        self.obs_size = (mj_model.nq - (2 if self.free_root else 0)) + mj_model.nv
        self.action_size = mj_model.nu
        self.dt = float(mj_model.opt.timestep) * n_substeps

    @classmethod
    def from_path(cls, path: str, *, solver_iterations: int | None = None, ls_iterations: int | None = None,
                  timestep: float | None = None, **kwargs: Any) -> MjxEnv:
        """The env of the MJCF at ``path``, with the solver settings given overriding the file's."""
        mj_model = mujoco.MjModel.from_xml_path(str(path))
        if solver_iterations is not None:
            mj_model.opt.iterations = int(solver_iterations)
        if ls_iterations is not None:
            mj_model.opt.ls_iterations = int(ls_iterations)
        if timestep is not None:
            mj_model.opt.timestep = float(timestep)
        return cls(mj_model, **kwargs)

    def _obs(self, data: Any) -> jax.Array:
        qpos = data.qpos[2:] if self.free_root else data.qpos
        return jnp.concatenate([qpos, data.qvel]).astype(jnp.float32)

    def initial_data(self) -> Any:
        """The start state, made consistent by C MuJoCo's ``mj_forward`` (no XLA compile)."""
        mj_data = mujoco.MjData(self.mj_model)
        mj_data.qpos[:] = np.asarray(self.init_qpos)
        mujoco.mj_forward(self.mj_model, mj_data)
        return mjx.put_data(self.mj_model, mj_data, impl="jax")

    def reset(self, rng: jax.Array, num_envs: int) -> EnvState:
        """``num_envs`` start states with uniform qpos and normal qvel noise of ``reset_noise``.

        Positions are not propagated here: every ``mjx.step`` recomputes them from ``qpos``.
        """
        data = jax.tree.map(lambda x: jnp.broadcast_to(x, (num_envs,) + jnp.shape(x)), self.initial_data())
        k1, k2 = jax.random.split(rng)
        n = self.reset_noise
        qpos = data.qpos + jax.random.uniform(k1, data.qpos.shape, minval=-n, maxval=n)
        qvel = data.qvel + n * jax.random.normal(k2, data.qvel.shape)
        data = data.replace(qpos=qpos, qvel=qvel)
        obs = jax.vmap(self._obs)(data)
        first = jax.tree.map(jnp.copy, data)  # own buffers, so the state can be donated
        return EnvState(data, first, obs, jnp.zeros((num_envs,), jnp.int32))

    def step(self, state: EnvState, action: jax.Array) -> tuple[EnvState, jax.Array, jax.Array]:
        a = jnp.clip(action, -1.0, 1.0)
        ctrl = self.ctrl_low + (a + 1.0) * 0.5 * (self.ctrl_high - self.ctrl_low)
        data = state.data.replace(ctrl=ctrl)
        data = jax.lax.fori_loop(0, self.n_substeps, lambda _, d: mjx.step(self.model, d), data)
        x_before = state.data.subtree_com[1, 0]
        forward_vel = (data.subtree_com[1, 0] - x_before) / self.dt
        reward = forward_vel - 1e-3 * jnp.sum(a * a)
        t = state.t + 1
        done = (t >= self.horizon) | jnp.any(~jnp.isfinite(data.qpos))
        if self.healthy_z is not None:
            healthy = data.qpos[2] > self.healthy_z
            reward = reward + healthy.astype(jnp.float32)
            done = done | ~healthy
        # auto-reset: a finished episode restarts from the state its episode started from
        data = jax.tree.map(lambda first, new: jnp.where(done, first, new), state.first_data, data)
        t = jnp.where(done, 0, t)
        reward = jnp.nan_to_num(reward)
        return EnvState(data, state.first_data, self._obs(data), t), reward, done.astype(jnp.float32)


class ActorCritic(nn.Module):
    """Separate actor and critic MLPs with tanh, a state-independent learnable log-std."""

    action_size: int
    hidden_layers: tuple[int, ...]
    init_std: float

    @nn.compact
    def __call__(self, obs: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
        actor = obs
        for width in self.hidden_layers:
            actor = nn.tanh(nn.Dense(width, kernel_init=nn.initializers.orthogonal(math.sqrt(2)))(actor))
        mean = nn.Dense(self.action_size, kernel_init=nn.initializers.orthogonal(0.01))(actor)
        log_std = self.param("log_std", nn.initializers.constant(math.log(self.init_std)), (self.action_size,))
        critic = obs
        for width in self.hidden_layers:
            critic = nn.tanh(nn.Dense(width, kernel_init=nn.initializers.orthogonal(math.sqrt(2)))(critic))
        value = nn.Dense(1, kernel_init=nn.initializers.orthogonal(1.0))(critic)
        return mean, log_std, jnp.squeeze(value, -1)


class RunningStats(NamedTuple):
    """Running mean and variance of observations (batched Welford update)."""

    mean: jax.Array
    var: jax.Array
    count: jax.Array

    @classmethod
    def create(cls, size: int) -> RunningStats:
        return cls(jnp.zeros(size), jnp.ones(size), jnp.asarray(1e-4))

    def update(self, batch: jax.Array) -> RunningStats:
        b_mean, b_var, b_count = batch.mean(0), batch.var(0), batch.shape[0]
        delta = b_mean - self.mean
        total = self.count + b_count
        mean = self.mean + delta * b_count / total
        m2 = self.var * self.count + b_var * b_count + delta**2 * self.count * b_count / total
        return RunningStats(mean, m2 / total, total)

    def normalize(self, obs: jax.Array) -> jax.Array:
        return jnp.clip((obs - self.mean) / jnp.sqrt(self.var + 1e-8), -10.0, 10.0)


class Transition(NamedTuple):
    obs: jax.Array
    action: jax.Array
    log_prob: jax.Array
    value: jax.Array
    reward: jax.Array
    done: jax.Array


class RunnerState(NamedTuple):
    params: Any
    opt_state: Any
    env_state: EnvState
    obs_stats: RunningStats
    rng: jax.Array


#: One iteration's training data, flattened over envs and steps: ``(transitions, advantages, targets)``.
Batch = tuple


class Train(NamedTuple):
    """Pure functions of one PPO configuration: ``init(rng)``, ``update(state)``, ``train(rng)``,
    and ``update``'s two phases, ``collect(state) -> (state, batch)`` (rollout + GAE) and
    ``learn(state, batch) -> (state, metrics)`` (the epochs of minibatch steps), which the
    calibration times apart; ``update`` is exactly ``learn`` after ``collect``.

    All three are pure and meant for ``jax.jit``; ``init`` compiles quickly since the start
    state comes from C MuJoCo rather than from an MJX forward pass.
    """

    init: Callable[[jax.Array], RunnerState]
    update: Callable[[RunnerState], tuple[RunnerState, dict[str, jax.Array]]]
    train: Callable[[jax.Array], tuple[RunnerState, dict[str, jax.Array]]]
    config: PPOConfig
    collect: Callable[[RunnerState], tuple[RunnerState, Batch]]
    learn: Callable[[RunnerState, Batch], tuple[RunnerState, dict[str, jax.Array]]]


def _log_prob(mean: jax.Array, log_std: jax.Array, action: jax.Array) -> jax.Array:
    z = (action - mean) / jnp.exp(log_std)
    return jnp.sum(-0.5 * z * z - log_std - 0.5 * math.log(2 * math.pi), axis=-1)


def make_train(config: PPOConfig, env: MjxEnv) -> Train:
    """Build the PPO training functions for ``config`` on ``env`` (PureJaxRL's factory shape)."""
    network = ActorCritic(env.action_size, tuple(config.hidden_layers), config.init_std)
    optimizer = optax.chain(optax.clip_by_global_norm(config.max_grad_norm), optax.adam(config.lr, eps=1e-5))
    step_envs = jax.vmap(env.step)

    def init(rng: jax.Array) -> RunnerState:
        rng, k_net, k_env = jax.random.split(rng, 3)
        params = network.init(k_net, jnp.zeros((env.obs_size,)))
        env_state = env.reset(k_env, config.num_envs)
        obs_stats = RunningStats.create(env.obs_size)
        return RunnerState(params, optimizer.init(params), env_state, obs_stats, rng)

    def env_step(carry: tuple, _: Any) -> tuple[tuple, Transition]:
        params, env_state, obs_stats, rng = carry
        obs = obs_stats.normalize(env_state.obs) if config.normalize_env else env_state.obs
        mean, log_std, value = network.apply(params, obs)
        rng, key = jax.random.split(rng)
        action = mean + jnp.exp(log_std) * jax.random.normal(key, mean.shape)
        log_prob = _log_prob(mean, log_std, action)
        env_state, reward, done = step_envs(env_state, action)
        if config.normalize_env:
            obs_stats = obs_stats.update(env_state.obs)
        return (params, env_state, obs_stats, rng), Transition(obs, action, log_prob, value, reward, done)

    def gae(traj: Transition, last_value: jax.Array) -> tuple[jax.Array, jax.Array]:
        def backwards(carry: tuple, t: Transition) -> tuple[tuple, jax.Array]:
            next_adv, next_value = carry
            not_done = 1.0 - t.done
            delta = t.reward + config.gamma * next_value * not_done - t.value
            adv = delta + config.gamma * config.gae_lambda * not_done * next_adv
            return (adv, t.value), adv

        _, advantages = jax.lax.scan(backwards, (jnp.zeros_like(last_value), last_value), traj, reverse=True)
        return advantages, advantages + traj.value

    def loss_fn(params: Any, batch: tuple) -> tuple[jax.Array, dict[str, jax.Array]]:
        traj, advantages, targets = batch
        mean, log_std, value = network.apply(params, traj.obs)
        log_prob = _log_prob(mean, log_std, traj.action)
        value_clipped = traj.value + jnp.clip(value - traj.value, -config.clip_eps, config.clip_eps)
        value_loss = 0.5 * jnp.maximum((value - targets) ** 2, (value_clipped - targets) ** 2).mean()
        adv = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
        ratio = jnp.exp(log_prob - traj.log_prob)
        surrogate = jnp.minimum(ratio * adv, jnp.clip(ratio, 1 - config.clip_eps, 1 + config.clip_eps) * adv)
        entropy = jnp.sum(log_std + 0.5 * math.log(2 * math.pi * math.e))
        total = -surrogate.mean() + config.vf_coef * value_loss - config.ent_coef * entropy
        return total, {"value_loss": value_loss, "policy_loss": -surrogate.mean()}

    def collect(state: RunnerState) -> tuple[RunnerState, Batch]:
        """The rollout phase: ``num_steps`` vmapped env steps, then GAE, flattened to one batch."""
        carry = (state.params, state.env_state, state.obs_stats, state.rng)
        (params, env_state, obs_stats, rng), traj = jax.lax.scan(env_step, carry, None, config.num_steps)
        last_obs = obs_stats.normalize(env_state.obs) if config.normalize_env else env_state.obs
        _, _, last_value = network.apply(params, last_obs)
        advantages, targets = gae(traj, last_value)
        flat = jax.tree.map(lambda x: x.reshape((config.batch_size,) + x.shape[2:]), (traj, advantages, targets))
        return RunnerState(params, state.opt_state, env_state, obs_stats, rng), flat

    def learn(state: RunnerState, flat: Batch) -> tuple[RunnerState, dict[str, jax.Array]]:
        """The update phase: ``update_epochs`` x ``num_minibatches`` minibatch steps on ``flat``."""

        def epoch(carry: tuple, _: Any) -> tuple[tuple, dict[str, jax.Array]]:
            params, opt_state, rng = carry
            rng, key = jax.random.split(rng)
            order = jax.random.permutation(key, config.batch_size)
            minibatches = jax.tree.map(
                lambda x: x[order].reshape((config.num_minibatches, config.minibatch_size) + x.shape[1:]), flat
            )

            def minibatch(carry: tuple, batch: tuple) -> tuple[tuple, dict[str, jax.Array]]:
                params, opt_state = carry
                grads, info = jax.grad(loss_fn, has_aux=True)(params, batch)
                updates, opt_state = optimizer.update(grads, opt_state, params)
                return (optax.apply_updates(params, updates), opt_state), info

            (params, opt_state), info = jax.lax.scan(minibatch, (params, opt_state), minibatches)
            return (params, opt_state, rng), info

        (params, opt_state, rng), info = jax.lax.scan(
            epoch, (state.params, state.opt_state, state.rng), None, config.update_epochs
        )
        metrics = {k: v.mean() for k, v in info.items()}
        return state._replace(params=params, opt_state=opt_state, rng=rng), metrics

    def update(state: RunnerState) -> tuple[RunnerState, dict[str, jax.Array]]:
        state, flat = collect(state)
        state, metrics = learn(state, flat)
        metrics["mean_reward"] = flat[0].reward.mean()
        return state, metrics

    def train(rng: jax.Array) -> tuple[RunnerState, dict[str, jax.Array]]:
        state = init(rng)
        return jax.lax.scan(lambda s, _: update(s), state, None, max(config.num_updates, 1))

    return Train(init, update, train, config, collect, learn)


def make_physics_rollout(env: MjxEnv, num_envs: int, num_steps: int) -> Callable[[EnvState], EnvState]:
    """``num_steps`` vmapped env steps with zero actions: the cost of stepping alone."""
    zeros = jnp.zeros((num_envs, env.action_size))
    step_envs = jax.vmap(env.step)

    def rollout(env_state: EnvState) -> EnvState:
        def body(state: EnvState, _: Any) -> tuple[EnvState, jax.Array]:
            state, reward, _done = step_envs(state, zeros)
            return state, reward.mean()

        state, _ = jax.lax.scan(body, env_state, None, num_steps)
        return state

    return rollout
