"""Find a black-box command's iteration size from its wall time alone.

Trainers run whole iterations of ``num_envs * num_steps`` env steps: CleanRL and LocoMuJoCo
``total_timesteps // iteration`` of them (rounded down, ``floor``), Stable-Baselines3 whole
rollouts until at least the budget (rounded up, ``ceil``). Their wall time against the steps
asked for is then a staircase, and a differential whose two runs end at different places on
their steps is off by up to one iteration over the difference. A JAX program that runs no
iteration also compiles nothing, so a short run below one iteration does not even pay start-up
in full.

The probe asks for ``num_envs * m`` env steps with ``m`` = 1, 2, 4, ... until the wall time rises
above the first runs' by more than their noise (``tolerance``; three runs of one step per env, or
the three closest of six when the first three disagree), then bisects for the smallest
``m`` that rises: the edge ``e``. A staircase is flat after its edge for a whole iteration (a
level counts when a second run there reads flat too, and the rise is well above the noise between
the runs taken twice near the edge: the three closest first runs can understate a busy machine's):

- ``floor`` with ``num_steps = e``: ``m = 2e - 1`` still runs one iteration (same level as ``e``);
- ``ceil`` with ``num_steps = e - 1``: ``m = e`` runs two iterations, and so does ``m = 2e - 2``;
- neither (the wall time keeps rising): no iteration longer than ``e`` steps per env exists
  (one would have held the wall time flat below it), so ``num_envs * e`` bounds the error of a
  differential in steps, and the sweep makes the difference of its runs many times longer.

With a ``hint`` (the iteration found at the previous num_envs), three runs confirm it first.
Pure logic over a ``wall(m)`` callable, which runs the command and returns its wall seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

#: A level after the edge counts as the same level when it is within this share of the rise.
PLATEAU_SHARE = 0.35
#: The least rise (s) taken as work rather than start-up noise, whatever the noise measured.
MIN_TOLERANCE_S = 0.1
#: ... and at least this share of a run that does (almost) nothing.
BASE_SHARE = 0.03
#: ... and this many times the spread of three runs of one step per env.
NOISE_TIMES = 4.0
#: Three runs of one step per env that differ by more than this share are joined by three more,
#: and the three closest of the six set the noise level (a start-up slowed once by other work
#: would otherwise set a tolerance that hides a whole iteration).
FIRSTS_SPREAD = 0.1


def _tightest(values: list[float], count: int) -> list[float]:
    """The ``count`` values of ``values`` that lie closest together."""
    ordered = sorted(values)
    start = min(range(len(ordered) - count + 1), key=lambda i: ordered[i + count - 1] - ordered[i])
    return ordered[start:start + count]


@dataclass(frozen=True)
class ProbeResult:
    """What the probe found: ``num_steps`` (env steps per env per iteration) and its ``rounding``
    (``floor``/``ceil``), or ``None`` when the wall time showed no staircase; ``edge`` the
    smallest steps per env whose run took clearly longer than one of one step per env;
    ``tolerance_s`` the rise taken as work; ``runs`` every ``(steps per env, wall s)`` taken."""

    num_steps: int | None
    rounding: str | None
    edge: int | None
    tolerance_s: float
    runs: tuple[tuple[int, float], ...]

    @property
    def found(self) -> bool:
        return self.num_steps is not None

    def rate_guess(self, num_envs: int) -> float:
        """A rough env steps/s from the probe's longest run against its first ones (0 when it saw no
        rise): start-up and any compile count against it, so it errs low."""
        base = min(wall for m, wall in self.runs if m == 1)
        m, wall = max(self.runs)
        return num_envs * (m - 1) / (wall - base) if m > 1 and wall - base > self.tolerance_s else 0.0

    def describe(self, num_envs: int) -> str:
        if self.found:
            return (f"staircase: runs of {self.num_steps} steps per env and more took "
                    f"{'a whole iteration each' if self.rounding == 'floor' else 'whole iterations'} "
                    f"({self.rounding}): iteration {num_envs * self.num_steps:,} env steps "
                    f"({len(self.runs)} probe runs, tolerance {self.tolerance_s:.2f} s)")
        if self.edge is None:
            return f"no rise in wall time up to the largest probe ({len(self.runs)} probe runs)"
        return (f"no staircase: the wall time kept rising past {self.edge} steps per env, so any iteration is "
                f"shorter than {num_envs * self.edge:,} env steps ({len(self.runs)} probe runs, tolerance "
                f"{self.tolerance_s:.2f} s)")


def find_iteration(wall: Callable[[int], float], *, max_per_env: int, hint: tuple[int, str] | None = None,
                   min_tolerance_s: float = MIN_TOLERANCE_S) -> ProbeResult:
    """Probe ``wall`` (see the module docstring). ``max_per_env`` bounds the steps per env asked
    for; ``hint`` is ``(num_steps, rounding)`` to confirm first. The tolerance comes from three runs
    of one step per env; an edge is taken again before it counts, and one that does not hold, or
    below which the wall time drifted more than the tolerance (noise, or a machine getting busier),
    raises the tolerance and the search goes on above it."""
    walls: dict[int, list[float]] = {}
    order: list[tuple[int, float]] = []

    def take(m: int) -> float:
        value = wall(m)
        walls.setdefault(m, []).append(value)
        order.append((m, value))
        return value

    def w(m: int) -> float:
        if m not in walls:
            take(m)
        return sum(walls[m]) / len(walls[m])

    firsts = [take(1) for _ in range(3)]
    if max(firsts) - min(firsts) > FIRSTS_SPREAD * min(firsts):  # one slow start-up is not the noise level
        firsts = _tightest(firsts + [take(1) for _ in range(3)], 3)
        walls[1] = firsts
    base = sum(firsts) / len(firsts)
    tolerance = max(min_tolerance_s, NOISE_TIMES * (max(firsts) - min(firsts)), BASE_SHARE * base)

    def risen(m: int) -> bool:
        return w(m) - base > tolerance

    def result(num_steps: int | None, rounding: str | None, edge: int | None) -> ProbeResult:
        return ProbeResult(num_steps, rounding, edge, tolerance, tuple(order))

    if hint is not None:
        steps, rounding = hint
        low, edge = (steps - 1, steps) if rounding == "floor" else (steps, steps + 1)
        if low >= 1 and 2 * steps <= max_per_env and not risen(low) and risen(edge):
            rise = w(edge) - base
            flat = 2 * steps - 1 if rounding == "floor" else 2 * steps
            if abs(w(flat) - w(edge)) < PLATEAU_SHARE * rise:
                return result(steps, rounding, edge)
    m = 2
    for _attempt in range(3):
        while not risen(m):
            if m >= max_per_env:
                return result(None, None, None)
            m = min(2 * m, max_per_env)
        low, high = m // 2, m
        while high - low > 1:
            middle = (low + high) // 2
            if risen(middle):
                high = middle
            else:
                low = middle
        edge = high
        if edge - 1 > 1:  # take both sides of the edge again: a rise that does not hold is noise
            take(edge - 1)
            take(edge)
        # below the edge the wall time must be flat within the tolerance: a machine whose start-up
        # drifted more than that during the probe raises the tolerance to what it drifted
        flat = [w(k) for k in walls if k <= max(1, edge // 2)]  # a ramp below the edge rises by design
        drift = max(flat) - min(flat)
        if risen(edge) and not risen(edge - 1) and drift <= tolerance:
            break
        tolerance = max(2 * tolerance, 2 * drift)
        m = 2 * edge
    else:  # no edge held: the rise is too noisy to read; bound any iteration by the longest run taken
        return result(None, None, max(walls))
    rise = w(edge) - base

    def level(k: int) -> bool:
        """Flat at ``k`` after the edge in two runs, and the rise clear of the noise near the edge:
        a ramp that reads flat once, or whose rise is as small as the noise, is not a staircase."""
        if abs(w(k) - w(edge)) >= PLATEAU_SHARE * rise:
            return False
        take(k)
        noise = max(max(walls[j]) - min(walls[j]) for j in walls if j > 1 and len(walls[j]) > 1)
        return abs(w(k) - w(edge)) < PLATEAU_SHARE * rise and rise > NOISE_TIMES * noise

    if 2 * edge - 1 <= max_per_env and level(2 * edge - 1):
        return result(edge, "floor", edge)
    if edge >= 3 and level(2 * edge - 2):
        return result(edge - 1, "ceil", edge)
    return result(None, None, edge)
