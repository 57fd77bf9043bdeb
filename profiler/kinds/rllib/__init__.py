"""The ``rllib`` kind on the measuring side: RLlib PPO scaling over env runners (schema,
workload settings, measuring child, sweep)."""

from profiler.kinds.facts import Extra, KindFacts

FACTS = KindFacts(
    rank=20,
    extra=Extra("rllib", "calibrate rllib (Ray RLlib, gymnasium with MuJoCo, torch)", ("ray", "gymnasium", "torch"),
                known_good={"ray": "2.60.0", "gymnasium": "1.2.2", "torch": "2.13.0"}),
    doctor_checks=("profiler.kinds.rllib.doctor:check_ray",),
)
