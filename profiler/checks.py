"""Validation shared by the profile's dataclasses (raises ``ValueError``; the strict decoder
turns it into a message naming the field)."""

from __future__ import annotations

#: Status of one calibration point. Only ``ok`` points carry throughput; ``oom`` marks the
#: memory boundary; ``timeout``, ``error`` and ``interrupted`` record why a point has no numbers;
#: ``skipped`` was not run (predicted not to fit, or beyond a boundary); ``compiled`` was only
#: compiled, for XLA's memory analysis.
POINT_STATUSES = ("ok", "oom", "timeout", "error", "interrupted", "skipped", "compiled")
#: Statuses a resumed sweep measures again.
UNFINISHED_STATUSES = ("interrupted", "compiled")


def positive(name: str, value: float | None, *, allow_none: bool = True) -> None:
    if value is None:
        if not allow_none:
            raise ValueError(f"{name} is required")
        return
    if not value > 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
