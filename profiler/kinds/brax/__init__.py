"""The ``brax`` kind on the measuring side: Brax PPO (``brax.training.agents.ppo.train``) on MuJoCo
Playground envs (batch rules, schema, MuJoCo Menagerie, measuring child, sweep)."""

from profiler.kinds.facts import Extra, KindFacts

FACTS = KindFacts(
    rank=40,
    extra=Extra("brax", "calibrate brax (Brax PPO, MuJoCo Playground; Python >= 3.11)",
                ("jax", "brax", "mujoco_playground"), known_good={"brax": "0.14.2", "playground": "0.2.0"},
                requires="Python >= 3.11"),
)
