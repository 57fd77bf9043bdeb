"""A config's median time to score with censored seeds, and the halving's decisions, on hand-made
runs."""

import dataclasses
import statistics

from hypothesis import given
from hypothesis import strategies as st

from profiler.race import halving
from profiler.race.schema import CurvePoint, Race, RaceRun, censored_median


def reached(n, seed, t, steps=1000):
    return RaceRun(num_envs=n, seed=seed, status="reached", wall_s=t, time_to_score_s=t, env_steps_to_score=steps)


def censored(n, seed, t, score=None):
    return RaceRun(num_envs=n, seed=seed, status="censored", wall_s=t, last_score=score,
                   curve=(CurvePoint(0.5, 10, -10.0),) if score is not None else ())


def test_the_median_is_known_only_when_censored_seeds_cannot_move_it():
    # 3 seeds: two reached (10, 12), one censored after 20 s (> 12): the median is 12
    assert censored_median([reached(4, 1, 10), reached(4, 2, 12), censored(4, 3, 20)]) == (12, None)
    # censored after 11 s: its time could be 11.5 and the median 11.5, so only "more than 11"
    assert censored_median([reached(4, 1, 10), reached(4, 2, 12), censored(4, 3, 11)]) == (None, 11)
    # one of three reached: the median is "more than" the median of the bounds
    assert censored_median([reached(4, 1, 10), censored(4, 2, 30), censored(4, 3, 40)]) == (None, 30)
    # two seeds: the mean of both, known only when both reached
    assert censored_median([reached(4, 1, 10), reached(4, 2, 14)]) == (12, None)
    assert censored_median([reached(4, 1, 10), censored(4, 2, 50)]) == (None, 30)
    # a seed still to run could take any time: it bounds the median by 0
    assert censored_median([reached(4, 1, 10), reached(4, 2, 12), RaceRun(num_envs=4, seed=3)]) == (None, 10)


@given(st.lists(st.tuples(st.booleans(), st.floats(0.1, 100), st.floats(0.0, 100)), min_size=1, max_size=7))
def test_a_known_median_is_the_true_one_and_a_bound_never_exceeds_it(seeds):
    """Whatever times the censored runs would have taken (beyond their bounds), a known median is
    the true median, and a lower bound is at most the true median."""
    runs = [reached(4, i, t) if ok else censored(4, i, t) for i, (ok, t, _extra) in enumerate(seeds)]
    truth = statistics.median(t if ok else t + extra + 1e-6 for ok, t, extra in seeds)
    median, lower = censored_median(runs)
    if median is not None:
        assert abs(median - truth) < 1e-9
    else:
        assert lower <= truth + 1e-9


def race_of(runs, eliminated=()):
    return Race(kind="command", score=0.0, budget_s=60, num_envs=tuple(sorted({r.num_envs for r in runs})),
                seeds=tuple(sorted({r.seed for r in runs})), runs=tuple(runs), eliminated=tuple(eliminated))


def test_the_worse_half_by_progress_per_second_is_stopped():
    # four configs, none reached: last scores -8, -5, -2, -9 after 2 s each, from a baseline of -10 to 0
    runs = [running(n, 1, 2.0, (-10.0, -10.0, s)) for n, s in ((2, -8), (4, -5), (8, -2), (16, -9))]
    race = race_of(runs)
    assert halving.baseline(race) == -10
    assert halving.run_rate(race.run(8, 1), 0.0, -10) == 0.8 / 2.0
    assert sorted(halving.halve(race)) == [2, 16]


def running(n, seed, t, scores=()):
    """A run paused after ``t`` s of its own time, having printed ``scores`` (none: nothing yet)."""
    curve = tuple(CurvePoint(t * (i + 1) / len(scores), 100 * (i + 1), s) for i, s in enumerate(scores))
    return RaceRun(num_envs=n, seed=seed, status="running", wall_s=t, curve=curve,
                   last_score=scores[-1] if scores else None)


def test_nothing_is_stopped_while_no_config_has_made_progress():
    # the first rung of a program that takes longer to start than the rung: at 3 s the 1-env runs
    # printed their fresh policy's return, the others nothing; ranking them would be a guess
    runs = [running(1, s, 3.0, (20.0,)) for s in (1, 2, 3)] + [running(n, s, 3.0) for n in (2, 4, 8) for s in (1, 2, 3)]
    race = race_of(runs)
    assert halving.halve(race) == []
    # one rung later: 1 env printed three flat scores, 2 envs one line (slower to print), 4 and 8
    # progressed; 1 env stops, 2 envs goes on (one line is a reading, not a trend)
    runs = ([running(1, s, 5.0, (20.0, 20.0, 20.0)) for s in (1, 2, 3)] + [running(2, s, 5.0, (21.0,)) for s in (1, 2, 3)]
            + [running(n, s, 5.0, (20.0, 20.0 + n * 2, 20.0 + n * 5)) for n in (4, 8) for s in (1, 2, 3)])
    race = dataclasses.replace(race_of(runs), score=200.0)
    assert not halving.informed(race, 2) and halving.informed(race, 1)
    assert halving.halve(race) == [1]


def test_a_config_that_ties_with_the_last_one_kept_goes_on():
    runs = [running(n, 1, 4.0, (-10.0, -10.0, s)) for n, s in ((2, -8.0), (4, -5.0), (8, -5.0), (16, -2.0))]
    race = dataclasses.replace(race_of(runs), score=10.0)
    # 16 and then 4 and 8 (equal progress): the half kept ends in a tie, so only 2 stops
    assert halving.halve(race) == [2]


def test_a_config_stops_once_its_median_cannot_beat_the_best_known():
    runs = [reached(2, 1, 5), reached(2, 2, 7),
            RaceRun(num_envs=8, seed=1, status="running", wall_s=6.5), RaceRun(num_envs=8, seed=2, status="running", wall_s=6.0),
            RaceRun(num_envs=4, seed=1, status="running", wall_s=3.0), RaceRun(num_envs=4, seed=2, status="running", wall_s=8)]
    race = race_of(runs)
    assert halving.best_known_s(race) == 6
    assert halving.cannot_win(race, 8)  # both seeds already past 6 s: median > 6
    assert not halving.cannot_win(race, 4)  # (3+ and 8+)/2 could still be under 6
    assert halving.alive(race) == [4, 8]


def test_each_rung_splits_the_budget_left_over_the_rungs_to_come():
    runs = [RaceRun(num_envs=n, seed=s) for n in (2, 4, 8, 16) for s in (1, 2)]
    race = race_of(runs)
    # 4 configs: 3 rungs (4, 2, 1); 120 s left: 40 s for this rung over 8 runs
    assert halving.next_target_s(race, 0.0, 120.0) == 5.0
    assert halving.rungs_left(1) == 1 and halving.rungs_left(2) == 2 and halving.rungs_left(5) == 4
