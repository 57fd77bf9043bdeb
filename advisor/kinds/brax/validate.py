"""``advisor validate`` for brax profiles: the shared num_envs curves' leave-one-out tables, and the
phase model's: each measured config (any batch shape) predicted from a fit to the others."""

from __future__ import annotations

from advisor.console import table as new_table
from models.phases import BraxPhaseModel
from models.validation import CurveValidation, LooRow
from profiler.kinds.brax.schema import BraxSection

CURVE = "train_sps_by_phase"


def row_of(p) -> list[float]:
    return [p.num_envs, p.batch_size, p.num_minibatches, p.unroll_length, p.num_updates_per_batch, p.action_repeat]


def phase_validation(section: BraxSection) -> CurveValidation | None:
    """Leave-one-out of the phase model over every successful point (three or more needed)."""
    points = section.all_ok_points
    if len(points) < 3:
        return None
    rows = []
    for i, held in enumerate(points):
        rest = [p for j, p in enumerate(points) if j != i]
        model = BraxPhaseModel().fit([row_of(p) for p in rest], [p.update_s for p in rest])
        predicted = float(model.predict([row_of(held)])[0])
        interior = not bool(model.is_extrapolation([row_of(held)])[0])
        rows.append(LooRow(num_envs=held.num_envs, x=float(held.env_steps_per_update), measured=held.train_sps,
                           predicted=predicted, error=predicted / held.train_sps - 1, interior=interior))
    return CurveValidation(CURVE, "phases", tuple(rows))


def phase_table(validation: CurveValidation):
    table = new_table("train_sps by the phase model (every batch shape): leave-one-out",
                      ("config", "measured", "predicted", "error", "inside the others' ranges"), left=("config",))
    for r in validation.rows:
        table.add_row(f"{r.num_envs} envs, {r.x:,.0f} env steps/update", f"{r.measured:,.0f}", f"{r.predicted:,.0f}", f"{r.error:+.1%}", "yes" if r.interior else "no")
    summary = (f"all configs: median |error| {validation.median_abs_error_all:.1%}, worst "
               f"{validation.worst_abs_error_all:.1%} (a config outside the others' ranges is an extrapolation)")
    return table, summary
