"""RLlib measurements from CSV: ``num_env_runners, num_envs_per_env_runner, env_steps_per_s``
(optional: ``iter_s``, seconds per training iteration)."""

from __future__ import annotations

from profiler.csvtable import CsvSchema, read_table
from profiler.errors import ImportFormatError
from profiler.kinds.rllib.schema import RllibPoint, RllibSection, RllibWorkload

CSV = CsvSchema(
    required=("num_env_runners", "num_envs_per_env_runner", "env_steps_per_s"),
    optional=("iter_s",),
    may_be_empty=("iter_s",),
    integers=frozenset({"num_env_runners", "num_envs_per_env_runner"}),
)


def rllib_section_from_csv(text: str, where: str, workload: RllibWorkload, *, ray_cpus: float | None = None,
                           driver_cpus: float = 1.0) -> RllibSection:
    """Build an RLlib section from CSV text (see module docstring); one row per
    (num_env_runners, num_envs_per_env_runner). ``ray_cpus`` is the measuring machine's CPU count
    when known."""
    table = read_table(text, where, CSV)
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
