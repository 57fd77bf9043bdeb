"""Reading a training run's score (its return) and env step counter from what it prints: the
formats of the trainers advisor knows (each trainer's module names its :class:`ScoreFormat`), or
of a user's own program, read by ``advisor race`` to time a run to its target score:

* **CleanRL** (``ppo.py``, ``ppo_continuous_action.py``, ...) prints one line per finished
  episode, ``global_step=N, episodic_return=R`` (``R`` may be printed as a one-element array,
  ``[500.]``). One episode's return is noisy, so its preset scores the mean of the last
  :data:`CLEANRL_WINDOW` episodes.
* **Stable-Baselines3** (``verbose=1``) prints a table per rollout whose ``rollout/ep_rew_mean``
  (already a mean over the last 100 episodes) comes before ``time/total_timesteps``: each score
  belongs to the step figure that follows it in the same table.

A user's own program is read with ``--score-regex`` and ``--step-regex`` (first group, else the
whole match). :func:`read_series` turns output text into ``(env step, score)`` pairs; the same
function reads a finished run's log and the growing output of a running one.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

#: A number as trainers print it: ``500``, ``-12.5``, ``1.23e+03``, ``[500.]``, ``nan``.
NUMBER = r"\[?\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?nan|[-+]?inf)\s*\]?"


@dataclass(frozen=True)
class ScoreFormat:
    """How to read one trainer's output. ``score_regex`` and ``step_regex`` find the figures
    (first group, else the whole match); ``step_after_score``: a score belongs to the next step
    figure printed (Stable-Baselines3's table), else to one on its own line or the last one
    before it; ``window``: the score is the mean of the last ``window`` figures (1: as printed)."""

    score_regex: str
    step_regex: str
    step_after_score: bool = False
    window: int = 1
    preset: str | None = None

    def __post_init__(self) -> None:
        for name in ("score_regex", "step_regex"):
            try:
                re.compile(getattr(self, name))
            except re.error as exc:
                raise ValueError(f"{name} {getattr(self, name)!r} is not a regular expression ({exc})") from None
        if not isinstance(self.window, int) or self.window < 1:
            raise ValueError(f"window must be a positive whole number, got {self.window!r}")


def _figure(match: re.Match[str]) -> float | None:
    raw = next((g for g in match.groups() if g is not None), None) if match.groups() else match.group(0)
    try:
        value = float(str(raw).replace(",", "").replace("_", "").strip().strip("[]"))
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


@dataclass
class SeriesReader:
    """Reads output incrementally (:meth:`feed` whole lines as they arrive) into ``(env step,
    raw score)`` pairs; :func:`smoothed` applies the format's window."""

    fmt: ScoreFormat

    def __post_init__(self) -> None:
        self._score = re.compile(self.fmt.score_regex)
        self._step = re.compile(self.fmt.step_regex)
        self.last_step: int | None = None
        self.pending: list[float] = []
        self.pairs: list[tuple[int, float]] = []

    def feed(self, line: str) -> list[tuple[int, float]]:
        """The pairs this line completes (also appended to :attr:`pairs`)."""
        new: list[tuple[int, float]] = []
        steps = [v for v in (_figure(m) for m in self._step.finditer(line)) if v is not None and v >= 0]
        scores = [v for v in (_figure(m) for m in self._score.finditer(line)) if v is not None]
        if steps:
            step = int(steps[-1])
            if self.pending:
                new += [(step, s) for s in self.pending]
                self.pending = []
            self.last_step = step
        if scores:
            if steps:
                new += [(int(steps[-1]), s) for s in scores]
            elif self.fmt.step_after_score:
                self.pending += scores
            elif self.last_step is not None:
                new += [(self.last_step, s) for s in scores]
        self.pairs += new
        return new


def read_series(text: str, fmt: ScoreFormat) -> list[tuple[int, float]]:
    """Every ``(env step, raw score)`` pair in ``text``, in the order printed."""
    reader = SeriesReader(fmt)
    for line in text.splitlines():
        reader.feed(line)
    return reader.pairs


def smoothed(pairs: list[tuple[int, float]], window: int) -> list[tuple[int, float]]:
    """``(env step, mean of the last ``window`` scores)`` at each pair (fewer at the start)."""
    found, total = [], 0.0
    for i, (step, score) in enumerate(pairs):
        total += score
        if i >= window:
            total -= pairs[i - window][1]
        found.append((step, total / min(i + 1, window)))
    return found
