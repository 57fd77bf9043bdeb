"""Brax's batch rules and step accounting, by hand-worked examples and a property test."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from profiler.kinds.brax.rules import (
    env_error,
    env_steps_per_update,
    evaluations,
    shape_error,
    total_env_steps,
    training_steps_per_epoch,
)

FAMILIES = {"dm_control_suite": ("CartpoleBalance", "CheetahRun"), "locomotion": ("Go1JoystickFlatTerrain",),
            "manipulation": ("PandaPickCube",)}


def test_playground_dm_control_defaults_by_hand():
    # batch 1024 x unroll 30 x 32 minibatches = 983,040 env steps per update; 2048 envs divide 32,768 rows
    steps = env_steps_per_update(1024, 30, 32)
    assert steps == 983_040
    assert shape_error(2048, 1024, 32) is None
    # 60M with num_evals 10, num_resets_per_eval 10: 9 periods x 10 epochs x ceil(60M / (90 x 983,040)) = 1 step
    assert training_steps_per_epoch(60_000_000, steps, 10, 10) == 1
    assert total_env_steps(60_000_000, steps, 10, 10) == 88_473_600
    # locomotion defaults: batch 256 x unroll 20 x 32 = 163,840; 100M -> 7 steps per epoch, 103,219,200 steps
    assert total_env_steps(100_000_000, env_steps_per_update(256, 20, 32), 10, 10) == 103_219_200
    assert evaluations(10) == 10 and evaluations(1) == 1 and evaluations(0) == 0


def test_the_asserts_by_hand():
    assert "multiple of num_envs (48)" in shape_error(48, 64, 4)  # 256 % 48 = 16
    assert "e.g. num_envs 32" in shape_error(48, 64, 4)
    assert shape_error(64, 64, 4) is None and shape_error(256, 64, 4) is None  # 256 rows, 1 unroll
    assert "multiple of the device count (2)" in shape_error(1, 4, 1, device_count=2)
    assert shape_error(128, 128, 1, device_count=2) is None
    assert "positive" in shape_error(0, 64, 4)


@given(st.integers(1, 4096), st.integers(1, 2048), st.integers(1, 64), st.integers(1, 8))
def test_shape_error_is_exactly_brax_asserts(num_envs, batch_size, num_minibatches, devices):
    brax_accepts = batch_size * num_minibatches % num_envs == 0 and num_envs % devices == 0
    assert (shape_error(num_envs, batch_size, num_minibatches, devices) is None) == brax_accepts


@given(st.integers(1, 10**9), st.integers(1, 10**6), st.integers(0, 20), st.integers(0, 20))
def test_brax_runs_at_least_the_target_and_less_than_one_round_more(target, steps, num_evals, resets):
    total = total_env_steps(target, steps, num_evals, resets)
    rounds = max(num_evals - 1, 1) * max(resets, 1) * steps  # one more training step in every epoch
    assert target <= total < target + rounds
    assert total % steps == 0 and math.ceil(target / rounds) * rounds == total


def test_env_rules():
    assert env_error("CartpoleBalance", FAMILIES) is None
    # locomotion and manipulation envs are Playground envs; whether they load here is the Menagerie decision
    assert env_error("Go1JoystickFlatTerrain", FAMILIES) is None and env_error("PandaPickCube", FAMILIES) is None
    problem = env_error("Cartpole", FAMILIES)
    assert "not a Playground env" in problem and "CartpoleBalance?" in problem and "\n" not in problem
    assert "Go1JoystickFlatTerrain" in env_error("Go2Joystick", FAMILIES)
