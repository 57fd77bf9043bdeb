"""Reading external measurements from CSV (DESIGN.md's ``advisor profile import`` contract).

Each workload kind names its columns in a :class:`CsvSchema` (its own ``importer`` module turns
the rows into its section); this module parses and validates the cells: known columns only,
every required one present, numbers positive and finite, whole numbers where the kind says so.
Errors name the row and column.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

from profiler.checks import DURATIONS, LIMITS, MIN_RATE, MIN_SECONDS, RATES
from profiler.errors import ImportFormatError

MAX_ROWS = 100_000


@dataclass(frozen=True)
class CsvSchema:
    """The columns of one kind's CSV: ``required`` and ``optional`` names, those whose cells may be
    left empty, those that must hold whole numbers, and those that may be zero (the rest must be
    positive)."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    may_be_empty: tuple[str, ...] = ()
    integers: frozenset[str] = frozenset()
    may_be_zero: frozenset[str] = frozenset()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


@dataclass(frozen=True)
class Table:
    """Parsed CSV: column names and one dict per data row (values are floats or ``None``)."""

    columns: tuple[str, ...]
    rows: tuple[dict[str, float | None], ...]


def read_table(text: str, where: str, schema: CsvSchema) -> Table:
    """Parse and validate CSV ``text`` against ``schema``: known columns only, all required
    present, numbers positive and finite, integers whole. Row numbers count the header as row 1."""
    required, optional = schema.required, schema.optional
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
                row[column] = _cell(cell, column, lineno, where, schema)
            rows.append(row)
    except csv.Error as exc:
        raise ImportFormatError(f"{where}: not a readable CSV file ({exc})") from None
    if not rows:
        raise ImportFormatError(f"{where}: no data rows under the header")
    return Table(columns, tuple(rows))


def _cell(cell: str, column: str, row: int, where: str, schema: CsvSchema) -> float | None:
    text = cell.strip()
    if not text:
        if column in schema.may_be_empty:
            return None
        raise ImportFormatError(f"{where}: row {row}, column {column}: empty; give a value")
    try:
        value = float(text)
    except ValueError:
        raise ImportFormatError(f"{where}: row {row}, column {column}: {text[:40]!r} is not a number") from None
    if not math.isfinite(value):
        raise ImportFormatError(f"{where}: row {row}, column {column}: {text[:40]!r} is not a finite number")
    if value <= 0 and column not in schema.may_be_zero:
        raise ImportFormatError(f"{where}: row {row}, column {column}: must be positive, got {text[:40]}")
    if value < 0:
        raise ImportFormatError(f"{where}: row {row}, column {column}: must not be negative, got {text[:40]}")
    if column in schema.integers and not value.is_integer():
        raise ImportFormatError(f"{where}: row {row}, column {column}: must be a whole number, got {text[:40]}")
    if column in RATES and value < MIN_RATE:
        raise ImportFormatError(f"{where}: row {row}, column {column}: {text[:40]} env steps/s is below the slowest "
                                f"rate a profile may hold ({MIN_RATE:g}); check the units of that column")
    if column in DURATIONS and value < MIN_SECONDS:
        raise ImportFormatError(f"{where}: row {row}, column {column}: {text[:40]} s is shorter than any timed phase "
                                f"a profile may hold ({MIN_SECONDS:g} s); check the units of that column")
    limit = LIMITS.get(column)
    if limit is not None and value > limit:
        raise ImportFormatError(f"{where}: row {row}, column {column}: {text[:40]} is beyond any real machine "
                                f"(at most {limit:g})")
    return value
