"""What every vectorised kind (envs stepped in one batch, fitted over ``num_envs`` by
:mod:`models.num_envs_curves`) shares on the advising side: fitting and validation through the kind
interface, the validation tables, the prediction rows of ``advisor predict --num-envs``, and JAX's
default memory pool (their explorer charts are :mod:`advisor.vectorised_explore`)."""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, dataclass
from typing import Annotated, Any, Optional

import numpy as np
import typer
from rich.table import Table

from advisor.console import table as new_table
from advisor.errors import BadInput
from advisor.units import format_bytes
from advisor.workload import Option, WorkloadKind
from models.base import distinct

#: JAX's default preallocated pool on GPUs (XLA_PYTHON_CLIENT_MEM_FRACTION).
JAX_DEFAULT_POOL_FRACTION = 0.75

# The options the vectorised kinds share, declared once (the CLI names the kinds that take each
# in front of its help, :func:`advisor.cli.options.with_kind_options`).
#: ``recommend --tolerance``: the efficient objective's allowance.
TOLERANCE_OPTION = Option("tolerance", Annotated[float, typer.Option(
    help="mjx: fraction of the best throughput the efficient objective may give up.")], 0.05)
#: ``recommend --memory-headroom``: the share of the device's memory a config may use.
HEADROOM_OPTION = Option("memory_headroom", Annotated[float, typer.Option(
    help="mjx: fraction of device memory a config's peak-memory upper bound may use (0.9 = 90%).")], 0.9)
#: ``recommend --score``: the return that ``--objective time-to-score`` predicts the time to.
SCORE_OPTION = Option("score", Annotated[Optional[float], typer.Option(
    help="command: with --objective time-to-score, the return to reach (the profile's race to it, 'advisor race', "
         "gives the sample-efficiency model).")], None)
#: ``predict --num-envs``: the sizes to predict at.
NUM_ENVS_PREDICT_OPTION = Option("num_envs", Annotated[Optional[str], typer.Option(
    help="mjx: comma-separated num_envs to predict at, e.g. 1024,8192.")], None)


@dataclass(frozen=True)
class NumEnvsOption:
    """What every ``num_envs`` a vectorised recommendation weighs starts with: predicted env
    steps/s with its 90% interval, peak memory (bytes, ``None`` when unknown) with its upper
    bound, whether that fits the memory budget, whether the prediction extrapolates the measured
    range, the time to the target (s) with its 90% interval, and whether this config was measured
    (then ``train_sps`` is the measurement, ``fit_train_sps`` the fit's own prediction beside it).
    The last two are keyword-only, so each kind adds its own fields after them."""

    num_envs: int
    train_sps: float
    train_sps_low: float
    train_sps_high: float
    peak_bytes: int | None
    peak_bytes_upper: int | None
    fits: bool
    extrapolated: bool
    time_s: float
    time_low_s: float
    time_high_s: float
    _: KW_ONLY
    measured: bool = False
    fit_train_sps: float | None = None


class VectorisedKind(WorkloadKind):
    """A kind whose section the num_envs curves fit: fit, validate and their tables and JSON."""

    operations = {
        "fit": "models.num_envs_curves:fit_vectorised",
        "validate": "models.validation:validate_vectorised",
    }

    def validation_tables(self, validations: list[Any]) -> list[tuple[Any, str]]:
        return validation_tables(validations)

    def validation_json(self, validation: Any) -> dict[str, Any]:
        return {"curve": validation.curve, "form": validation.form,
                "median_abs_error_interior": validation.median_abs_error,
                "worst_abs_error_interior": validation.worst_abs_error,
                "median_abs_error_all": validation.median_abs_error_all,
                "worst_abs_error_all": validation.worst_abs_error_all, "upper_bound_held": validation.bound_held,
                "upper_bound_coverage": validation.bound_coverage,
                "largest_overshoot_from_4096_envs": validation.largest_overshoot(4096),
                "rows": [r.__dict__ for r in validation.rows]}


def prediction_rows(curves: Any, num_envs: list[int], peak_key: str = "peak_bytes",
                    extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One dict per num_envs: ``num_envs, train_sps, train_sps_low, train_sps_high, <peak_key>,
    <peak_key>_upper, extrapolated, memory_basis, measured, fit_train_sps`` (then ``extra``): env
    steps/s with its 90% interval (the measurement where that num_envs was measured, the fit's
    prediction, ``fit_train_sps``, beside it), peak bytes (rounded) with its upper bound (rounded up)."""
    if curves.throughput is None:
        raise BadInput("this profile cannot predict throughput: " + "; ".join(curves.notes))
    n = np.asarray(num_envs, dtype=float)
    at = curves.throughput_at(n)
    rows = []
    for i, envs in enumerate(num_envs):
        peak, upper, basis = curves.peak_bytes(envs)
        rows.append({
            "num_envs": int(envs), "train_sps": float(at.train_sps[i]), "train_sps_low": float(at.low[i]),
            "train_sps_high": float(at.high[i]), peak_key: None if peak is None else round(peak),
            f"{peak_key}_upper": None if upper is None else math.ceil(upper),
            "extrapolated": bool(curves.throughput.is_extrapolation(n[i : i + 1])[0]), "memory_basis": basis,
            "measured": bool(at.measured[i]), "fit_train_sps": float(at.fit[i]),
            **(extra or {}),
        })
    return rows


def candidate_num_envs(measured: tuple[int, ...]) -> list[int]:
    """The num_envs a vectorised kind's table weighs: powers of two inside the measured range, plus
    the measured values themselves."""
    low, high = min(measured), max(measured)
    return sorted({2**k for k in range(0, 31) if low <= 2**k <= high} | set(measured))


def race_candidates(curves: Any) -> tuple[list[int], str]:
    """``(num_envs, why)`` to race when the user names none: the table's num_envs with the highest
    predicted env steps/s and those below it down to an eighth of it, at most four (throughput
    rises with num_envs while sample efficiency falls, so the soonest score lies at or below the
    fastest)."""
    grid = candidate_num_envs(curves.measured_num_envs)
    rows = prediction_rows(curves, grid)
    fastest = max(rows, key=lambda r: r["train_sps"])["num_envs"]
    chosen = sorted({n for n in grid if fastest // 8 <= n <= fastest})
    return chosen[-4:], (f"the calibrated num_envs with the highest predicted env steps/s ({fastest}) and the "
                         f"sizes below it down to an eighth")


def race_num_envs(section: Any, request: Any, admits: Any = lambda n: None, example: str = "1024,2048,4096",
                  missing: str = "") -> tuple[list[int], str]:
    """``(num_envs, where they came from)`` that ``advisor race`` races: the ones given, else the
    calibrated ones around the fastest (:func:`race_candidates`; ``missing`` is the bad input when
    the section is absent or has fewer than two measured num_envs), and the user's current one;
    each checked by ``admits`` (a reason it cannot run, or ``None``)."""
    from models.num_envs_curves import fit_vectorised

    if request.num_envs:
        chosen, why = sorted(set(request.num_envs)), "given with --num-envs"
    elif section is None or len({p.num_envs for p in section.ok_points}) < 2:
        raise BadInput(missing or "the profile's calibration has fewer than two measured num_envs to choose candidates "
                       f"from; give them with --num-envs {example}")
    else:
        chosen, why = race_candidates(fit_vectorised(section))
    if request.current is not None and request.current not in chosen:
        chosen, why = sorted(set(chosen) | {request.current}), why + f", and your current {request.current}"
    for n in chosen:
        problem = admits(n)
        if problem:
            raise BadInput(f"num_envs {n}: {problem}")
    return chosen, why


def score_rows(curves: Any, headroom: float, fixed_s_at: Any) -> list[dict[str, Any]]:
    """The throughput rows that turn a race's env steps to score into time to score
    (:mod:`advisor.time_to_score`): every num_envs of the table (:func:`candidate_num_envs`) with
    env steps/s and its interval, ``fixed_s`` (``fixed_s_at(num_envs)``: start-up and compile, s)
    and whether its peak-memory bound fits ``headroom`` of the device's memory (without a bound:
    whether it is no larger than the largest measured, and below any size that ran out of memory)."""
    section = curves.section
    rows = prediction_rows(curves, candidate_num_envs(curves.measured_num_envs))
    capacity = section.accelerator.memory_bytes
    largest, oom = max(curves.measured_num_envs), section.oom_num_envs
    for row in rows:
        row["fixed_s"] = fixed_s_at(row["num_envs"])
        upper = row["peak_bytes_upper"]
        fits = upper <= headroom * capacity if upper is not None and capacity else row["num_envs"] <= largest
        row["fits"] = bool(fits) and (oom is None or row["num_envs"] < oom)
    return rows


def measured_cell(measured: bool, fit: float | None) -> str:
    """A table's ``measured`` cell: ``yes (fit N)`` where the row's figure is its measurement (the
    fit's own prediction beside it), else ``-``."""
    return f"yes (fit {fit:,.0f})" if measured and fit is not None else "-"


def trend_note(section: Any, best_num_envs: int, unit: str = "env steps/s") -> str | None:
    """What the measurements say past the best predicted num_envs, when that is the largest
    measured one: still rising (its measurement above the next smaller one's), or levelled off
    (not above it); ``None`` when the best lies inside the measured range."""
    ok = sorted(section.ok_points, key=lambda p: p.num_envs)
    if len(ok) < 2 or best_num_envs != ok[-1].num_envs:
        return None
    last, before = ok[-1], ok[-2]
    if last.train_sps > before.train_sps:
        return (f"throughput was still rising at the largest measured num_envs ({last.num_envs}: "
                f"{last.train_sps:,.0f} {unit}, up from {before.train_sps:,.0f} at {before.num_envs}); calibrate larger "
                "--num-envs to see whether more helps")
    return (f"throughput levelled off: the largest measured num_envs ({last.num_envs}) ran at {last.train_sps:,.0f} "
            f"{unit}, not above {before.train_sps:,.0f} at {before.num_envs}, so larger num_envs are unlikely to help")


def validation_tables(validations: list) -> list[tuple[Table, str]]:
    """``advisor validate``'s table and summary line for each curve (train_sps, peak memory over
    num_envs, peak memory over XLA's bytes, peak memory along num_envs through XLA's bytes)."""
    result = []
    for c in validations:
        memory = c.curve != "train_sps"
        columns = ("num_envs",) + (("XLA bytes",) if c.curve == "peak_from_xla" else ())
        table = new_table(f"{c.curve} ({c.form} form): leave-one-out",
                          columns + ("measured", "predicted", "error", "interior") + (("upper/measured",) if memory else ()),
                          left=())
        for r in c.rows:
            fmt = format_bytes if memory else (lambda v: f"{v:,.0f}")
            x_text = format_bytes(r.x) if c.curve == "peak_from_xla" else str(r.num_envs)
            cells = [str(r.num_envs), x_text, fmt(r.measured), fmt(r.predicted), f"{r.error:+.1%}",
                     "yes" if r.interior else "no"]
            if memory:
                cells.append(f"{r.upper_ratio:.3f}" if r.upper_ratio is not None else "-")
            table.add_row(*(cells if c.curve == "peak_from_xla" else cells[:1] + cells[2:]))
        summary = (f"interior points: median |error| {c.median_abs_error:.1%}, worst {c.worst_abs_error:.1%}"
                   if c.median_abs_error is not None else "no interior points")
        if memory:
            summary += "; upper bound held at every held-out point" if c.bound_held else "; upper bound was BELOW a measurement"
            summary += f" ({c.bound_coverage:.0%} of held-out points under it)"
            over = c.largest_overshoot(4096)
            if over is not None:
                summary += f"; largest overshoot from 4096 envs: {over:+.1%}"
        result.append((table, summary))
    return result


# ---- dashboard panels over num_envs (matplotlib axes), shared by the vectorised kinds ----

def draw_throughput(ax, curves: Any, label: str = "train_sps") -> None:
    """Measured env steps/s against num_envs (``measured, <label>``), the fitted curve and its 90% interval."""
    ok = curves.section.ok_points
    ax.plot([p.num_envs for p in ok], [p.train_sps for p in ok], "o", label=f"measured, {label}")
    if curves.throughput is not None:
        n = np.geomspace(min(curves.measured_num_envs), max(curves.measured_num_envs), 200)
        low, high = curves.throughput.predict_interval(n)
        ax.fill_between(n, low, high, alpha=0.15, label="90% interval")
        ax.plot(n, curves.throughput.predict(n), "-", label=f"fit ({curves.throughput.form_})")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("num_envs")
    ax.set_ylabel("env steps/s")
    ax.legend(fontsize=8)


def draw_memory(ax, curves: Any, capacity: bool = True) -> None:
    """Measured peak memory (GiB) against num_envs (``measured, peak memory``), the fitted peak and
    its upper bound (the bound predict and recommend use), and the device's capacity on a GPU."""
    ok = [p for p in curves.section.ok_points if p.peak_bytes]
    gib = 2**30
    ax.plot([p.num_envs for p in ok], [p.peak_bytes / gib for p in ok], "o", label="measured, peak memory")
    if ok and (curves.memory is not None or curves.envs_memory is not None):
        n = distinct(np.geomspace(ok[0].num_envs, ok[-1].num_envs, 100).round())
        peak, upper, _basis = zip(*(curves.peak_bytes(int(v)) for v in n))
        ax.plot(n, np.array(peak) / gib, "-", label="fit")
        ax.plot(n, np.array(upper) / gib, ":", label="upper bound")
    accelerator = curves.section.accelerator
    if capacity and accelerator.memory_bytes and accelerator.platform != "cpu":
        ax.axhline(accelerator.memory_bytes / gib, color="k", ls="--", label="device capacity")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("num_envs")
    ax.set_ylabel("GiB")
    ax.legend(fontsize=8)
