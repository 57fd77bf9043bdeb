"""Reading external measurements from CSV into a profile section (DESIGN.md's contract).

MJX columns: ``num_envs, num_steps, num_minibatches, update_epochs, train_sps, peak_vram_bytes``
(optional: ``physics_sps, compile_s, xla_bytes``). ``peak_vram_bytes`` may be left empty where
it was not measured. RLlib columns: ``num_env_runners, num_envs_per_env_runner, env_steps_per_s``
(optional: ``iter_s``, seconds per training iteration). Every cell is validated; errors name the
row and column.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from profiler.checks import LIMITS
from profiler.errors import ImportFormatError
from profiler.profile import Accelerator, MjxPoint, MjxSection, MjxWorkload, RllibPoint, RllibSection, RllibWorkload

MJX_REQUIRED = ("num_envs", "num_steps", "num_minibatches", "update_epochs", "train_sps", "peak_vram_bytes")
MJX_OPTIONAL = ("physics_sps", "compile_s", "xla_bytes")
MJX_MAY_BE_EMPTY = ("peak_vram_bytes",) + MJX_OPTIONAL
RLLIB_REQUIRED = ("num_env_runners", "num_envs_per_env_runner", "env_steps_per_s")
RLLIB_OPTIONAL = ("iter_s",)
INTEGER_COLUMNS = {"num_envs", "num_steps", "num_minibatches", "update_epochs", "peak_vram_bytes", "xla_bytes",
                   "num_env_runners", "num_envs_per_env_runner"}
MAX_ROWS = 100_000


@dataclass(frozen=True)
class Table:
    """Parsed CSV: column names and one dict per data row (values are floats or ``None``)."""

    columns: tuple[str, ...]
    rows: tuple[dict[str, float | None], ...]


def read_table(text: str, where: str, required: tuple[str, ...], optional: tuple[str, ...],
               may_be_empty: tuple[str, ...]) -> Table:
    """Parse and validate CSV ``text``: known columns only, all required present, numbers
    positive and finite, integers whole. Row numbers count the header as row 1."""
    if not text.strip():
        raise ImportFormatError(f"{where}: the file is empty; it needs a header row with {', '.join(required)}")
    try:
        reader = csv.reader(io.StringIO(text))
        header = next(reader)
    except csv.Error as exc:
        raise ImportFormatError(f"{where}: not a readable CSV file ({exc})") from None
    columns = tuple(h.strip().lower() for h in header)
    unknown = [c for c in columns if c not in required + optional]
    if unknown:
        raise ImportFormatError(f"{where}: unknown column(s) {', '.join(map(repr, unknown))}; allowed: "
                                f"{', '.join(required + optional)}")
    missing = [c for c in required if c not in columns]
    if missing:
        raise ImportFormatError(f"{where}: missing column(s) {', '.join(missing)}; the header needs "
                                f"{', '.join(required)}")
    if len(set(columns)) != len(columns):
        raise ImportFormatError(f"{where}: a column appears twice in the header")
    rows = []
    try:
        for lineno, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= MAX_ROWS:
                raise ImportFormatError(f"{where}: more than {MAX_ROWS} rows")
            if len(record) != len(columns):
                raise ImportFormatError(f"{where}: row {lineno} has {len(record)} cells, the header has {len(columns)}")
            row = {}
            for column, cell in zip(columns, record):
                row[column] = _cell(cell, column, lineno, where, column in may_be_empty)
            rows.append(row)
    except csv.Error as exc:
        raise ImportFormatError(f"{where}: not a readable CSV file ({exc})") from None
    if not rows:
        raise ImportFormatError(f"{where}: no data rows under the header")
    return Table(columns, tuple(rows))


def _cell(cell: str, column: str, row: int, where: str, may_be_empty: bool) -> float | None:
    text = cell.strip()
    if not text:
        if may_be_empty:
            return None
        raise ImportFormatError(f"{where}: row {row}, column {column}: empty; give a value")
    try:
        value = float(text)
    except ValueError:
        raise ImportFormatError(f"{where}: row {row}, column {column}: {text[:40]!r} is not a number") from None
    if not math.isfinite(value):
        raise ImportFormatError(f"{where}: row {row}, column {column}: {text[:40]!r} is not a finite number")
    if value <= 0 and column != "compile_s":
        raise ImportFormatError(f"{where}: row {row}, column {column}: must be positive, got {text[:40]}")
    if value < 0:
        raise ImportFormatError(f"{where}: row {row}, column {column}: must not be negative, got {text[:40]}")
    if column in INTEGER_COLUMNS and not value.is_integer():
        raise ImportFormatError(f"{where}: row {row}, column {column}: must be a whole number, got {text[:40]}")
    limit = LIMITS.get(column)
    if limit is not None and value > limit:
        raise ImportFormatError(f"{where}: row {row}, column {column}: {text[:40]} is beyond any real machine "
                                f"(at most {limit:g})")
    return value


def mjx_section_from_csv(text: str, where: str, accelerator: Accelerator, *, model: str = "unspecified",
                         hidden_layers: tuple[int, ...] = (512, 256)) -> MjxSection:
    """Build an MJX section from CSV text (see module docstring)."""
    table = read_table(text, where, MJX_REQUIRED, MJX_OPTIONAL, MJX_MAY_BE_EMPTY)
    seen: dict[int, int] = {}
    points = []
    for index, row in enumerate(table.rows):
        lineno = index + 2
        envs = int(row["num_envs"])
        if envs in seen:
            raise ImportFormatError(f"{where}: row {lineno} repeats num_envs={envs} (first at row {seen[envs]}); "
                                    "keep one row per num_envs")
        seen[envs] = lineno
        steps, minibatches = int(row["num_steps"]), int(row["num_minibatches"])
        if (envs * steps) % minibatches:
            raise ImportFormatError(f"{where}: row {lineno}: num_envs*num_steps={envs * steps} is not divisible "
                                    f"by num_minibatches={minibatches}")
        points.append(MjxPoint(
            num_envs=envs, num_steps=steps, num_minibatches=minibatches, update_epochs=int(row["update_epochs"]),
            train_sps=row["train_sps"], train_sps_samples=(row["train_sps"],),
            physics_sps=row.get("physics_sps"), compile_s=row.get("compile_s"),
            peak_bytes=None if row["peak_vram_bytes"] is None else int(row["peak_vram_bytes"]),
            xla_bytes=None if row.get("xla_bytes") is None else int(row["xla_bytes"]),
        ))
    for column in ("num_steps", "update_epochs"):
        values = {getattr(p, column) for p in points}
        if len(values) > 1:
            raise ImportFormatError(f"{where}: column {column} takes several values ({sorted(values)}); a profile "
                                    "describes one training shape, so import each value as its own profile")
    first = points[0]
    has_memory = any(p.peak_bytes for p in points)
    workload = MjxWorkload(model=model, num_steps=first.num_steps, num_minibatches=first.num_minibatches,
                           update_epochs=first.update_epochs, hidden_layers=hidden_layers)
    return MjxSection(
        workload=workload, accelerator=accelerator, memory_source="imported" if has_memory else "unknown",
        points=tuple(sorted(points, key=lambda p: p.num_envs)), repeats=1,
        method=f"imported from {where}",
    )


def rllib_section_from_csv(text: str, where: str, workload: RllibWorkload, *, ray_cpus: float | None = None,
                           driver_cpus: float = 1.0) -> RllibSection:
    """Build an RLlib section from CSV text (see module docstring); one row per
    (num_env_runners, num_envs_per_env_runner). ``ray_cpus`` is the measuring machine's CPU count
    when known."""
    table = read_table(text, where, RLLIB_REQUIRED, RLLIB_OPTIONAL, RLLIB_OPTIONAL)
    seen: dict[tuple[int, int], int] = {}
    points = []
    for index, row in enumerate(table.rows):
        lineno = index + 2
        key = (int(row["num_env_runners"]), int(row["num_envs_per_env_runner"]))
        if key in seen:
            raise ImportFormatError(f"{where}: row {lineno} repeats {key[0]} runners x {key[1]} envs (first at row "
                                    f"{seen[key]}); keep one row per pair")
        seen[key] = lineno
        points.append(RllibPoint(num_env_runners=key[0], num_envs_per_env_runner=key[1],
                                 env_steps_per_s=row["env_steps_per_s"], env_steps_per_s_samples=(row["env_steps_per_s"],),
                                 iter_s=row.get("iter_s")))
    return RllibSection(workload=workload, points=tuple(sorted(points, key=lambda p: p.key)), ray_cpus=ray_cpus,
                        driver_cpus=driver_cpus, warmup_iterations=0, repeats=1, method=f"imported from {where}")
