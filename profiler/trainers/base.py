"""What every published trainer advisor knows shares: :class:`Trainer`, the command a preset builds
(:class:`PresetCommand`), and helpers to read a user's argument list.

A trainer is knowledge about one program people train with, kept in one place so that every
feature that runs it reads it from there: ``calibrate command --preset`` (the flags that set
num_envs and the step budget, the program's iteration, the step count and steady rate its output
reports) and, later, features that follow a run's score (the episodic returns it prints).
"""

from __future__ import annotations

import abc
import bisect
from dataclasses import dataclass, field

from profiler.errors import BadInput
from profiler.trainers.scores import ScoreFormat, read_series

#: How a program turns a requested step budget into whole iterations of ``num_envs * num_steps``:
#: ``floor`` runs ``total // iteration`` iterations (CleanRL, LocoMuJoCo), ``ceil`` runs whole
#: iterations until at least ``total`` steps (Stable-Baselines3).
ROUNDINGS = ("floor", "ceil")


@dataclass(frozen=True)
class PresetCommand:
    """The user's command with the preset's placeholders added. ``num_steps`` is the program's env
    steps per env per iteration when the preset knows it (``None``: advisor reads the steps each
    run reports, or finds the iteration itself); ``rounding`` how the program rounds its budget."""

    argv: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    num_steps: int | None = None
    minibatch_size: int | None = None
    rounding: str | None = None


class Trainer(abc.ABC):
    """One published trainer (subclasses fill the attributes, implement :meth:`command` and
    override what else they know)."""

    #: The preset's name, and other names users know it by.
    name = ""
    aliases: tuple[str, ...] = ()
    #: One line: what the program is and how it is started.
    title = ""
    #: The command a user gives after ``--`` with this preset.
    example = ""
    #: How the program rounds its step budget (see :data:`ROUNDINGS`), when known.
    rounding: str | None = None
    #: How its output gives the score and the env step counter (``advisor race --preset``); ``None``:
    #: it prints no score advisor reads.
    score_format: ScoreFormat | None = None
    #: The arguments that set the run's seed, with ``{seed}`` (``advisor race`` adds them to a
    #: command that has no ``{seed}`` of its own; empty: the preset cannot set it).
    seed_args: tuple[str, ...] = ()
    #: Whether :meth:`command` sets the program's rollout length from advisor's ``--num-steps``.
    sets_num_steps: bool = False

    @abc.abstractmethod
    def command(self, command: list[str], num_steps: int | None, minibatch_size: int | None) -> PresetCommand:
        """The argument list with placeholders for num_envs and the step budget."""

    def steps_run(self, text: str, values: dict[str, int]) -> int | None:
        """The env steps a finished run's output says it ran (``None``: it does not say)."""
        return None

    def report_times(self, text: str, values: dict[str, int]) -> list[tuple[float, float]]:
        """``(env steps, seconds into training)`` at each of the program's own rate reports, where
        its output has them (none by default)."""
        return []

    def steady_sps(self, text: str, values: dict[str, int]) -> float | None:
        """The program's own steady-state env steps/s from its output, where it prints enough to
        compute one (after its first iteration): the rate between its first and last report,
        advisor's cross-check. Where the output shows periodic evaluations (:meth:`evaluations`),
        the rate between the two reports, at least half the run apart, whose window holds the
        evaluations due over it most nearly (:func:`evaluation_window`): a window holding one more
        or one fewer than due is faster or slower than the program trains for long."""
        times = self.report_times(text, values)
        if len(times) < 2:
            return None
        (first_steps, first_s), (last_steps, last_s) = evaluation_window(times, self.evaluations(text))
        if last_steps <= first_steps or last_s <= first_s:
            return None
        return (last_steps - first_steps) / (last_s - first_s)

    def iteration_seen(self, text: str) -> int | None:
        """The env steps of one iteration as the program's reports show them (the greatest common
        divisor of the steps at each report, where it reports after every iteration and there are
        two or more); ``None`` where they do not."""
        return None

    def evaluations(self, text: str) -> list[int]:
        """The env steps at which the output says the program evaluated its policy, in order, where it
        evaluates every so many steps and prints it (none by default)."""
        return []

    def evaluation_period(self, argv: list[str] | tuple[str, ...], num_envs: int) -> int | None:
        """The env steps between the program's periodic evaluations at ``num_envs``, where it runs
        them every so many steps whatever its iteration (``None``: none, or not known). Their cost
        is a second staircase in wall time against the steps run, beside the iteration's."""
        return None

    def scores(self, text: str) -> list[tuple[int, float]]:
        """``(env step, score)`` pairs in the order the output prints them (before any window)."""
        return read_series(text, self.score_format) if self.score_format is not None else []

    def needs_command(self, command: list[str]) -> None:
        if not command:
            raise BadInput(f"--preset {self.name} needs the command that starts training after --, e.g. -- {self.example}")


def flag_value(argv: list[str], *names: str) -> str | None:
    """The value given to any of ``names`` in ``argv`` (``--flag value`` or ``--flag=value``; the
    last one counts, as argparse, tyro and absl read them)."""
    found = None
    for i, arg in enumerate(argv):
        key, sep, value = arg.partition("=")
        if key in names:
            if sep:
                found = value
            elif i + 1 < len(argv):
                found = argv[i + 1]
    return found


def refuse_flags(preset: str, argv: list[str], names: tuple[str, ...]) -> None:
    """A flag the preset sets itself must not be in the user's command."""
    for arg in argv:
        key = arg.partition("=")[0]
        if key in names:
            raise BadInput(f"--preset {preset} sets {key} itself; drop {arg!r} from the command")


def positive_int(preset: str, flag: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise BadInput(f"--preset {preset}: {flag} {value!r} in the command is not a positive integer")
    return number


#: A window of the program's reports is kept for its steady figure only if it spans at least this
#: share of the steps between the first and the last report.
WINDOW_SHARE = 0.5
#: Reports searched at most for that window (a long run's are thinned evenly).
MAX_REPORTS = 400


def evaluation_window(times: list[tuple[float, float]], evaluated: list[int]) -> tuple[tuple[float, float],
                                                                                       tuple[float, float]]:
    """The two of ``times`` (``(env steps, seconds)`` at each report, in order) to take the program's
    rate between. Without evaluations (``evaluated``: the env steps of each), the first and the last.
    With them, every ``period`` env steps (the first one's step, or the gap between the first two),
    the pair at least :data:`WINDOW_SHARE` of the whole span apart whose window holds the
    evaluations due over it most nearly per env step (an evaluation at step ``e`` falls in the
    window after the report at ``a`` and by the one at ``b`` when ``a < e <= b``; one too many over
    ``n`` steps slows the rate as much as one evaluation's cost over ``n`` steps), the wider first."""
    steps = sorted(evaluated)
    period = steps[1] - steps[0] if len(steps) >= 2 else steps[0] if steps else 0
    if period <= 0 or len(times) < 3:
        return times[0], times[-1]
    whole = times[-1][0] - times[0][0]
    if len(times) > MAX_REPORTS:  # a long run: every k-th report and the last, for a bounded search
        times = times[:-1:-(-len(times) // MAX_REPORTS)] + [times[-1]]
    best: tuple[float, float, int, int] | None = None
    for i, (a, _) in enumerate(times):
        for j in range(len(times) - 1, i, -1):
            b = times[j][0]
            if b - a < WINDOW_SHARE * whole:
                break
            inside = bisect.bisect_right(steps, b) - bisect.bisect_right(steps, a)
            score = (abs(inside - (b - a) / period) / (b - a), -(b - a))
            if best is None or score < best[:2]:
                best = (*score, i, j)
    return (times[best[2]], times[best[3]]) if best is not None else (times[0], times[-1])
