"""The ``mjx`` kind on the measuring side: LocoMuJoCo-shaped MJX/JAX PPO over ``num_envs``
(schema, workload factory, measuring child, sweep)."""

from profiler.kinds.facts import Extra, KindFacts
from profiler.kinds.mjx.upgrades import v1_to_v2

FACTS = KindFacts(
    rank=10,
    extra=Extra("mjx", "calibrate mjx and verify (JAX, MuJoCo/MJX, flax, optax)", ("jax", "mujoco", "flax", "optax"),
                known_good={"jax": "0.9.2", "jaxlib": "0.9.2", "mujoco": "4.0.0", "mujoco-mjx": "3.17.0",
                            "flax": "0.12.6", "optax": "0.2.8"}),
    section_upgrades={1: v1_to_v2},
)
