"""MJX measurements from CSV: ``num_envs, num_steps, num_minibatches, update_epochs, train_sps,
peak_vram_bytes`` (optional: ``physics_sps, compile_s, xla_bytes``); ``peak_vram_bytes`` may be
left empty where it was not measured. Units: env steps per second, bytes, seconds."""

from __future__ import annotations

from profiler.csvtable import CsvSchema, read_table
from profiler.errors import ImportFormatError
from profiler.kinds.mjx.schema import MjxPoint, MjxSection, MjxWorkload
from profiler.profile import Accelerator

CSV = CsvSchema(
    required=("num_envs", "num_steps", "num_minibatches", "update_epochs", "train_sps", "peak_vram_bytes"),
    optional=("physics_sps", "compile_s", "xla_bytes"),
    may_be_empty=("peak_vram_bytes", "physics_sps", "compile_s", "xla_bytes"),
    integers=frozenset({"num_envs", "num_steps", "num_minibatches", "update_epochs", "peak_vram_bytes", "xla_bytes"}),
    may_be_zero=frozenset({"compile_s"}),
)


def mjx_section_from_csv(text: str, where: str, accelerator: Accelerator, *, model: str = "unspecified",
                         hidden_layers: tuple[int, ...] = (512, 256)) -> MjxSection:
    """Build an MJX section from CSV text (see module docstring)."""
    table = read_table(text, where, CSV)
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
