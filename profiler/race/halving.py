"""Successive halving over a race's configs, as pure decisions on the runs so far.

Every config and seed gets a short first rung; after each rung the configs are ranked by progress
towards the score per wall second (the median over their seeds), and the better half goes on to
a longer rung; a config is stopped only on evidence (it printed a trend of scores, it is slower
than a config kept, and some config has made progress). The budget left is split evenly over the rungs still to come (``ceil(log2 n) + 1``
for ``n`` configs left), and a rung's share evenly over its unfinished runs, so a run that
reaches the score early leaves its time to the others. A config is also stopped as soon as it
can no longer win: its median time to score is known to be at least the best known median.
Nothing is dropped silently: a stopped run is censored, its time to score "more than" it ran.
"""

from __future__ import annotations

import math
import statistics

from profiler.race.schema import Race, RaceRun, censored_median

#: Progress counted for a run that has not reached the score: at most this share of the way.
MAX_PROGRESS = 0.99
#: Score lines a run must have printed (or have reached the score) before its progress ranks it:
#: its first (often a fresh policy's return) and two more, a trend rather than a reading.
INFORMED_LINES = 3


def baseline(race: Race) -> float | None:
    """The score the runs started from: the lowest first score any run printed (a fresh policy's
    return), ``None`` before any did."""
    firsts = [r.curve[0].score for r in race.runs if r.curve]
    return min(firsts) if firsts else None


def run_rate(run: RaceRun, score: float, base: float | None) -> float:
    """Progress towards ``score`` per second of the run's own time: ``1 / time to score`` once it
    reached it, else the share of the way from ``base`` to ``score`` its last score covers, over
    the seconds it ran (0 before it printed a score)."""
    if run.reached:
        return 1.0 / max(run.time_to_score_s, 1e-9)
    if run.last_score is None or base is None or score <= base or run.wall_s <= 0:
        return 0.0
    progress = min(max((run.last_score - base) / (score - base), 0.0), MAX_PROGRESS)
    return progress / run.wall_s


def informed(race: Race, num_envs: int) -> bool:
    """At least half of the config's seeds reached the score or printed :data:`INFORMED_LINES` score
    lines: its progress is a trend the halving may rank it by."""
    runs = [r for r in race.runs if r.num_envs == num_envs]
    return 2 * sum(r.reached or len(r.curve) >= INFORMED_LINES for r in runs) >= len(runs)


def config_rate(race: Race, num_envs: int, base: float | None) -> float:
    """The median progress rate (:func:`run_rate`) over the config's seeds."""
    runs = [r for r in race.runs if r.num_envs == num_envs]
    return statistics.median([run_rate(r, race.score, base) for r in runs] or [0.0])


def finished_config(race: Race, num_envs: int) -> bool:
    """Every seed of the config is settled (reached, censored, ended or failed)."""
    return all(r.settled for r in race.runs if r.num_envs == num_envs)


def alive(race: Race) -> list[int]:
    """Configs still racing: not eliminated, with a seed not settled."""
    return [n for n in race.num_envs if n not in race.eliminated and not finished_config(race, n)]


def best_known_s(race: Race) -> float | None:
    """The shortest median time to score known so far."""
    known = [censored_median([r for r in race.runs if r.num_envs == n])[0] for n in race.num_envs]
    known = [k for k in known if k is not None]
    return min(known) if known else None


def cannot_win(race: Race, num_envs: int) -> bool:
    """The config's median time to score is already known to be no better than the best known."""
    best = best_known_s(race)
    if best is None:
        return False
    median, lower = censored_median([r for r in race.runs if r.num_envs == num_envs], live=True)
    return median is None and lower is not None and lower >= best


def rungs_left(n_alive: int) -> int:
    return math.ceil(math.log2(n_alive)) + 1 if n_alive > 1 else 1


def next_target_s(race: Race, previous_s: float, budget_left_s: float) -> float:
    """The own-time every unfinished run of an alive config trains to in the next rung: the
    previous rung's, plus this rung's even share of the budget left over its unfinished runs."""
    configs = alive(race)
    unfinished = [r for r in race.runs if r.num_envs in configs and not r.settled]
    if not unfinished:
        return previous_s
    share = max(budget_left_s, 0.0) / rungs_left(len(configs))
    return previous_s + share / len(unfinished)


def halve(race: Race) -> list[int]:
    """The alive configs to stop after a rung: the worse half by :func:`config_rate` (none when
    one is left). Configs whose every seed settled are not counted: they cost nothing more.

    A config is stopped only on evidence: only configs whose progress is a trend (:func:`informed`)
    are ranked, so one that has printed a line or two (still starting up, slower to print on a busy
    machine) goes on; one whose rate ties with the last config kept goes on too; and while no
    ranked config has made progress nothing is stopped."""
    configs = [n for n in alive(race) if informed(race, n)]
    if len(configs) <= 1:
        return []
    base = baseline(race)
    rates = {n: config_rate(race, n, base) for n in configs}
    ranked = sorted(configs, key=rates.__getitem__, reverse=True)
    last_kept = rates[ranked[math.ceil(len(configs) / 2) - 1]]
    return [n for n in ranked if rates[n] < last_kept]
