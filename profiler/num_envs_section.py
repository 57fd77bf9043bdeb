"""What every section measured over ``num_envs`` shares (MJX, a user's command, ...): its points
keyed by num_envs, the requested grid in ``sweep_settings``, the out-of-memory boundary, and the
checks a decoded section must pass. A mixin for the kinds' frozen section dataclasses, which have
``points`` and ``sweep_settings`` fields."""

from __future__ import annotations

import dataclasses
from typing import Any

from profiler.checks import UNFINISHED_STATUSES, MeasuredPoint, sample_spread
from profiler.checks import positive as _positive


class NumEnvsPoint(MeasuredPoint):
    """A point keyed by its ``num_envs``, with its timed ``train_sps_samples`` around ``train_sps``."""

    num_envs: int
    train_sps: float | None
    train_sps_samples: tuple[float, ...]

    @property
    def key(self) -> int:
        """What identifies the point within its section: ``num_envs``."""
        return self.num_envs

    @property
    def train_sps_spread(self) -> float | None:
        """Relative spread (max-min)/median of the timed iterations, ``None`` with fewer than 2."""
        return sample_spread(self.train_sps_samples, self.train_sps)


class NumEnvsSection:
    """Points keyed by ``num_envs``; see the module docstring."""

    points: tuple[Any, ...]
    sweep_settings: dict[str, Any]

    def check_points(self) -> None:
        """One point per num_envs, and a stored grid of positive whole numbers (``ValueError``)."""
        seen = [p.num_envs for p in self.points]
        if len(seen) != len(set(seen)):
            raise ValueError(f"two points at num_envs={next(n for n in seen if seen.count(n) > 1)}; keep one")
        grid = self.sweep_settings.get("num_envs", ())
        if not isinstance(grid, (list, tuple)) or any(isinstance(n, bool) or not isinstance(n, int) for n in grid):
            raise ValueError(f"sweep_settings.num_envs must be a list of whole numbers, got {grid!r}")
        for n in grid:
            _positive("num_envs", n)

    @property
    def requested_num_envs(self) -> tuple[int, ...]:
        """The sweep's grid, as asked for (empty for imported sections)."""
        return tuple(self.sweep_settings.get("num_envs", ()))

    @property
    def requested_keys(self) -> tuple[int, ...]:
        return self.requested_num_envs

    @property
    def ok_points(self) -> tuple[Any, ...]:
        return tuple(sorted((p for p in self.points if p.ok), key=lambda p: p.num_envs))

    @property
    def oom_num_envs(self) -> int | None:
        """Smallest num_envs that ran out of memory, if any did: the memory boundary."""
        ooms = [p.num_envs for p in self.points if p.status == "oom"]
        return min(ooms) if ooms else None

    def point(self, num_envs: int) -> Any | None:
        return next((p for p in self.points if p.num_envs == num_envs), None)

    def find(self, key: int) -> Any | None:
        """The point with ``key`` (its num_envs), if any."""
        return self.point(key)

    def unfinished_keys(self) -> list[int]:
        """Points of the requested grid still to measure (interrupted, or never reached), below
        any out-of-memory boundary."""
        boundary = self.oom_num_envs
        return [n for n in self.requested_num_envs
                if (self.point(n) is None or self.point(n).status in UNFINISHED_STATUSES)
                and (boundary is None or n < boundary)]

    def with_point(self, point: Any, **changes: Any) -> Any:
        """A copy with ``point`` added, replacing any earlier point at the same num_envs (and any
        other field in ``changes``)."""
        kept = tuple(p for p in self.points if p.num_envs != point.num_envs)
        return dataclasses.replace(self, points=tuple(sorted(kept + (point,), key=lambda p: p.num_envs)), **changes)
