"""A silent command whose iteration advisor is not told: the sweep finds it from the wall time's
staircase (rounded down as CleanRL does, or up as Stable-Baselines3 does), runs whole iterations
of it, and recommends whole iterations; a command without a staircase is timed over a difference
many times longer than any iteration the probe could have missed."""

from __future__ import annotations

import json

import pytest

from profiler.kinds.command.iteration import find_iteration
from profiler.kinds.command.schema import CommandWorkload
from profiler.kinds.command.sweep import QUANTIZATION_FACTOR, CommandSweepSpec, run_command_sweep
from tests.conftest import run_cli
from tests.profiler.kinds.command.scripts import write_sleeper, write_staircase

pytestmark = pytest.mark.slow
#: The scripts' iteration per env, which advisor is not told: 1 s of work per iteration, well
#: above the noise of a start-up on a busy machine.
STEPS = 1000


def detect(argv, folder, num_envs, **kwargs):
    workload = CommandWorkload(argv=tuple(argv), cwd=str(folder), iteration="detect")
    spec = CommandSweepSpec(workload=workload, num_envs=tuple(num_envs), name="stairs",
                            **{"first_timesteps": 1000, "delta_s": 2.5, "timeout_s": 120.0, "repeats": 2, **kwargs})
    return run_command_sweep(spec, "stairs").section("command")


def ran(folder) -> list[tuple[int, int, int]]:
    """``(num_envs, steps asked for, steps run)`` of every run of the staircase script."""
    return [tuple(map(int, line.split())) for line in (folder / "steps.log").read_text().splitlines()]


def test_a_silent_command_that_rounds_down_has_its_iteration_found_and_whole_iterations_timed(tmp_path, advisor_home):
    section = detect(write_staircase(tmp_path, STEPS, "floor"), tmp_path, (4, 8))
    for point in section.points:
        n = point.num_envs
        assert point.ok, point.error
        assert (point.steps_basis, point.iteration_steps, point.iteration_rounding) == ("detected", n * STEPS, "floor")
        assert "staircase" in point.iteration_note
        timed = [r for r in point.runs if r.role != "probe"]
        assert all(r.total_timesteps % (n * STEPS) == 0 for r in timed)
        # the script's work is 1000 env steps per env per second; what remains is start-up noise
        assert point.train_sps == pytest.approx(1000 * n, rel=0.08)
        assert len(point.train_sps_samples) >= 2 and point.train_sps_spread is not None
    # every timed run ran exactly the steps advisor counted for it
    timed = {(r.total_timesteps, p.num_envs) for p in section.points for r in p.runs if r.role != "probe"}
    assert all(asked == run for n, asked, run in ran(tmp_path) if (asked, n) in timed)
    # the second size confirmed the first's iteration in a few runs instead of searching again
    # (three runs of one step per env, six where they disagree, then three to confirm)
    probes = [sum(r.role == "probe" for r in p.runs) for p in section.points]
    assert probes[1] <= 9 < probes[0]
    assert section.iteration_num_steps == STEPS
    rec = json.loads(run_cli("recommend", "--kind", "command", "--profile", "stairs", "--target", "1000001", "--json").stdout)
    chosen = rec["chosen"]
    assert chosen["total_timesteps"] % (chosen["num_envs"] * STEPS) == 0 and chosen["total_timesteps"] > 1_000_000
    assert any("the iteration advisor found" in note for note in rec["notes"])


def test_a_silent_command_that_rounds_up_is_told_from_one_that_rounds_down(tmp_path, advisor_home):
    (point,) = detect(write_staircase(tmp_path, STEPS, "ceil"), tmp_path, (4,)).points
    assert point.ok, point.error
    assert (point.steps_basis, point.iteration_steps, point.iteration_rounding) == ("detected", 4 * STEPS, "ceil")
    assert point.train_sps == pytest.approx(4000, rel=0.08)


def test_a_command_without_a_staircase_is_timed_over_a_long_enough_difference(tmp_path, advisor_home):
    # a short timeout holds the longer runs to 15 s on a busy machine, where the probe's noise is coarse
    (point,) = detect(write_sleeper(tmp_path), tmp_path, (4,), timeout_s=30.0).points
    assert point.ok, point.error
    assert point.steps_basis == "requested" and point.iteration_steps is None
    assert "no staircase" in point.iteration_note
    probes = [r for r in point.runs if r.role == "probe"]
    edge = int(point.iteration_note.split("past ")[1].split(" steps")[0])
    assert any(r.total_timesteps == 4 * edge for r in probes)
    short = min(r.total_timesteps for r in point.runs if r.role == "short")
    long = max(r.total_timesteps for r in point.runs if r.role == "long")
    # any iteration it missed is under 1/40 of the difference, unless that would take more than half the timeout
    assert long - short >= min(QUANTIZATION_FACTOR * 4 * edge, 0.9 * 4000 * (15.0 - 1.0))
    assert point.train_sps == pytest.approx(4000, rel=0.08)


@pytest.mark.parametrize(("steps", "rounding"), [(48, "floor"), (48, "ceil"), (1, "floor"), (129, "floor")])
def test_the_probe_reads_a_noiseless_staircase_exactly(steps, rounding):
    # hand-worked walls: 2 s of start-up, 0.5 s per iteration, a 3 s compile in the first
    def wall(m):
        count = m // steps if rounding == "floor" else -(-m // steps)
        return 2.0 + (3.0 + 0.5 * count if count else 0.0)

    found = find_iteration(wall, max_per_env=1 << 16)
    if steps == 1:  # every step is an iteration: the wall time keeps rising, no staircase to see
        assert found.num_steps in (None, 1)
    else:
        assert (found.num_steps, found.rounding) == (steps, rounding)
    again = find_iteration(wall, max_per_env=1 << 16, hint=(steps, rounding))
    if steps > 1:
        assert (again.num_steps, again.rounding) == (steps, rounding) and len(again.runs) <= 6


def test_the_probe_sees_no_staircase_in_a_ramp_and_bounds_the_iteration():
    found = find_iteration(lambda m: 1.0 + m / 1000.0, max_per_env=1 << 20)
    assert found.num_steps is None and found.edge is not None
    assert 1.0 + found.edge / 1000.0 - 1.001 > found.tolerance_s  # the edge is where the ramp rose past the noise


def test_one_slow_start_up_among_the_first_runs_does_not_hide_the_staircase():
    # a silent JAX program's walls (as measured at 64 envs): 1.85 s for a run of no iteration, 1 s
    # more for the first (its compile), 0.05 s for each further iteration of 48 steps per env (floor);
    # the second run of one step per env starts 0.6 s late (other work on the machine). Three such
    # runs alone set a tolerance of 2.4 s, which hides the 1 s step: the probe then saw no staircase
    # and bounded the iteration by 1,584 steps per env, 33 times the true one
    calls = []

    def wall(m):
        calls.append(m)
        count = m // 48
        return 1.85 + (1.0 + 0.05 * count if count else 0.0) + (0.6 if len(calls) == 2 else 0.0)

    found = find_iteration(wall, max_per_env=1 << 16)
    assert (found.num_steps, found.rounding) == (48, "floor")
    assert found.tolerance_s < 0.5
    assert sum(1 for m, _ in found.runs if m == 1) == 6  # all six runs of one step per env are on record


def test_a_ramp_that_reads_flat_once_after_its_edge_is_not_taken_for_a_staircase():
    # a command without iterations (1 s of start-up, 1 ms per step per env) whose first run at
    # 2e - 1 steps per env, after the edge e was taken twice, finishes as early as a run at e did
    # (a noise dip): one such reading looked like a whole iteration's level; a second run shows the ramp
    calls: list[int] = []

    def wall(m):
        dip = m % 2 == 1 and calls.count((m + 1) // 2) >= 2 and m not in calls
        calls.append(m)
        return 1.0 + (m - (m - 1) // 2 if dip else m) / 1000.0

    found = find_iteration(wall, max_per_env=1 << 20)
    assert found.num_steps is None and found.edge is not None
    assert calls.count(2 * found.edge - 1) == 2
