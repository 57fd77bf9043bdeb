"""What every kind's recommendation shares: the profile it came from, and the opening lines of
the comment header written above a recommended config. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advisor.units import format_count


@dataclass(frozen=True)
class Recommendation:
    """The fields every kind's recommendation starts with: the profile it was computed from and
    that profile's note. Each kind adds its own, among them ``chosen`` (``None``: no
    recommendation, and ``reason`` says why)."""

    profile: str
    profile_note: str

    @property
    def ok(self) -> bool:
        """Whether a setting was chosen."""
        return self.chosen is not None


def header_start(rec: Any, workload: str = "") -> list[str]:
    """The header's first lines: the target (``workload`` follows it in parentheses) and the
    profile it was computed from, with the profile's note."""
    what = f" ({workload})" if workload else ""
    return [f"advisor recommendation for {format_count(rec.target_steps)} env steps{what}",
            f"profile: {rec.profile}" + (f" ({rec.profile_note})" if rec.profile_note else "")]


def throughput_line(quantity: str, setting: str, value: float, fit: float | None, interval: tuple[float, float],
                    measured: bool, extrapolated: bool) -> str:
    """The chosen setting's env steps/s: ``measured <quantity>: ...`` with the fit's own prediction
    where the ``setting`` itself was measured, else ``predicted <quantity>: ...``; both with the
    90% interval (``quantity`` may be empty)."""
    name = f" {quantity}" if quantity else ""
    low, high = interval
    if measured and fit is not None:
        return (f"measured{name}: {value:,.0f} env steps/s (this {setting} was measured; the fit predicts "
                f"{fit:,.0f}; 90% interval {low:,.0f}-{high:,.0f})")
    return (f"predicted{name}: {value:,.0f} env steps/s (90% interval {low:,.0f}-"
            f"{high:,.0f}){' [extrapolated]' if extrapolated else ''}")
