"""``advisor validate`` for the MJX phase model: leave-one-out along num_envs (a whole point held
out, its fused train_sps predicted) and along num_minibatches (one timed update phase held out,
its seconds predicted), as a table and JSON beside the num_envs curves'."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.table import Table

from advisor.console import table as new_table
from models.phases import PhaseRow, summary, validate_phases

AXES = {"num_envs": "train_sps (env steps/s) of a held-out point",
        "num_minibatches": "update-phase seconds of a held-out minibatch count"}


@dataclass(frozen=True)
class PhaseValidation:
    """The phase model's leave-one-out rows along one axis."""

    axis: str
    rows: tuple[PhaseRow, ...]

    @property
    def curve(self) -> str:
        return "phases_" + self.axis

    def errors(self) -> tuple[float | None, float | None]:
        """``(median, worst)`` |error|: interior rows along num_envs, every row along num_minibatches
        (holding out one of two counts leaves no interior)."""
        return summary(list(self.rows), self.axis, interior_only=self.axis == "num_envs")


def phase_validations(section: Any) -> list[PhaseValidation]:
    rows = validate_phases(section)
    return [PhaseValidation(axis, tuple(r for r in rows if r.axis == axis)) for axis in AXES
            if any(r.axis == axis for r in rows)]


def phase_table(v: PhaseValidation) -> tuple[Table, str]:
    table = new_table(f"phase model, {AXES[v.axis]}: leave-one-out",
                      ("num_envs", "num_minibatches", "measured", "predicted", "error", "interior"), left=())
    fmt = (lambda x: f"{x:,.0f}") if v.axis == "num_envs" else (lambda x: f"{x:.4g} s")
    for r in v.rows:
        table.add_row(str(r.num_envs), str(r.num_minibatches), fmt(r.measured), fmt(r.predicted), f"{r.error:+.1%}",
                      "yes" if r.interior else "no")
    median, worst = v.errors()
    which = "interior points" if v.axis == "num_envs" else "held-out counts"
    text = (f"{which}: median |error| {median:.1%}, worst {worst:.1%}" if median is not None
            else f"no {which}")
    return table, text


def phase_json(v: PhaseValidation) -> dict[str, Any]:
    median, worst = v.errors()
    return {"curve": v.curve, "form": "phases", "axis": v.axis, "median_abs_error": median, "worst_abs_error": worst,
            "rows": [r.__dict__ for r in v.rows]}
