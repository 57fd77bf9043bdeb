"""Brax PPO's batch rules and step accounting (``brax.training.agents.ppo.train``, brax 0.14.2),
and which names are MuJoCo Playground envs. Pure: no imports of
brax or jax, so the CLI can refuse bad input before any process starts.

* Env steps per update (one training step): ``batch_size * unroll_length * num_minibatches *
  action_repeat``, whatever ``num_envs`` is; ``num_envs`` only sets how many sequential unrolls
  of ``unroll_length`` fill that batch: ``batch_size * num_minibatches / num_envs``.
* Brax asserts ``batch_size * num_minibatches % num_envs == 0`` and ``num_envs % device_count
  == 0`` (bare ``AssertionError``s, the second one after its first compiles); :func:`shape_error`
  names the rule a config breaks, and the fix.
* Steps actually run for ``num_timesteps``: ``max(num_evals - 1, 1)`` eval periods x
  ``max(num_resets_per_eval, 1)`` epochs x ``ceil(num_timesteps / (periods * epochs *
  env steps per update))`` training steps per epoch, each of env steps per update, so Brax
  overshoots ``num_timesteps`` (Playground's DM Control defaults run 88,473,600 for 60M).

Whether a locomotion or manipulation env can load here (MuJoCo Menagerie) is decided at run time
by :mod:`profiler.kinds.brax.menagerie`.
"""

from __future__ import annotations

import math

#: Playground's env families (``registry.<family>.ALL_ENVS``), in the order its trainer
#: (``learning/train_jax_ppo.py``) looks an env's PPO defaults up.
FAMILIES = ("manipulation", "locomotion", "dm_control_suite")


def env_steps_per_update(batch_size: int, unroll_length: int, num_minibatches: int, action_repeat: int = 1) -> int:
    """Env steps one Brax training step collects (and trains on)."""
    return batch_size * unroll_length * num_minibatches * action_repeat


def unrolls_per_update(num_envs: int, batch_size: int, num_minibatches: int) -> int:
    """Sequential unrolls of ``num_envs`` envs that fill one training step's batch."""
    return batch_size * num_minibatches // num_envs


def shape_error(num_envs: int, batch_size: int, num_minibatches: int, device_count: int = 1) -> str | None:
    """Why Brax would refuse this shape (its two asserts), naming the fix; ``None`` when it accepts it."""
    for name, value in (("num_envs", num_envs), ("batch_size", batch_size), ("num_minibatches", num_minibatches),
                        ("device_count", device_count)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            return f"{name} must be a positive whole number, got {value!r}"
    rows = batch_size * num_minibatches
    if rows % num_envs:
        below = largest_divisor_at_most(rows, num_envs, device_count)
        hint = f"; e.g. num_envs {below}" if below else ""
        return (f"Brax needs batch_size * num_minibatches ({batch_size} * {num_minibatches} = {rows}) to be a "
                f"multiple of num_envs ({num_envs}){hint}")
    if num_envs % device_count:
        return (f"Brax needs num_envs ({num_envs}) to be a multiple of the device count ({device_count}); "
                f"use a multiple of {device_count}")
    return None


def largest_divisor_at_most(rows: int, limit: int, multiple_of: int = 1) -> int | None:
    """The largest divisor of ``rows`` that is at most ``limit`` and a multiple of ``multiple_of``
    (from the divisors of ``rows``' factorisation: quick whatever its size)."""
    from profiler.minibatch import divisors

    return max((d for d in divisors(rows) if d <= limit and d % multiple_of == 0), default=None)


def training_steps_per_epoch(num_timesteps: int, env_steps: int, num_evals: int, num_resets_per_eval: int) -> int:
    """Brax's ``num_training_steps_per_epoch``."""
    periods = max(num_evals - 1, 1)
    return math.ceil(num_timesteps / (periods * env_steps * max(num_resets_per_eval, 1)))


def epochs(num_evals: int, num_resets_per_eval: int) -> int:
    """Training epochs (each a ``lax.scan`` of training steps) Brax runs for ``num_timesteps > 0``."""
    return max(num_evals - 1, 1) * max(num_resets_per_eval, 1)


def total_env_steps(num_timesteps: int, env_steps: int, num_evals: int, num_resets_per_eval: int) -> int:
    """Env steps Brax really runs for ``num_timesteps`` (at least ``num_timesteps``; 0 for 0)."""
    if num_timesteps <= 0:
        return 0
    return (epochs(num_evals, num_resets_per_eval)
            * training_steps_per_epoch(num_timesteps, env_steps, num_evals, num_resets_per_eval) * env_steps)


def evaluations(num_evals: int) -> int:
    """Evaluations Brax runs (with ``run_evals``): one before training when ``num_evals > 1``,
    then one per eval period."""
    if num_evals <= 0:
        return 0
    return max(num_evals - 1, 1) + (1 if num_evals > 1 else 0)


def env_family(name: str, families: dict[str, tuple[str, ...]]) -> str | None:
    """The Playground family (``dm_control_suite``, ``locomotion``, ``manipulation``) that has ``name``."""
    return next((family for family, names in families.items() if name in names), None)


def env_error(name: str, families: dict[str, tuple[str, ...]]) -> str | None:
    """Why ``--env name`` is no Playground env (one line), ``None`` when it is one. ``families``
    maps each Playground family to its env names (``registry.<family>.ALL_ENVS``)."""
    if env_family(name, families) is not None:
        return None
    every = sorted(n for names in families.values() for n in names)
    examples = ", ".join(n for n in ("CartpoleBalance", "CheetahRun", "Go1JoystickFlatTerrain") if n in every)
    close = sorted(n for n in every if n.lower().startswith(name.lower()[:4]))[:4]
    hint = f" ({', '.join(close)}?)" if close else ""
    return f"--env {name!r} is not a Playground env{hint}; use one of its {len(every)} envs, such as {examples}"
