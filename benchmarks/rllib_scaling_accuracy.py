"""Leave-one-out accuracy of the RLlib scaling model (USL over runners, envs-per-runner effect).

Goals (issues "prediction accuracy" and "bounds a user can trust"): parallel-efficiency error at
most 10 points and env steps/s error within 10% at interior runner counts; held-out points inside
their 90% prediction interval at about that rate. Efficiency is predicted as ``advisor predict``
prints it: over the model's own 1r x 1e (the interval is for a run's measured efficiency, both
runs' spread included). Runs on every shipped profile with RLlib measurements, on the source write-up's table (benchmarks/data/rllib-writeup-i7-12700.csv: the
write-up gives speedups only, so env steps/s there is 1000 x speedup, i.e. the 1r x 1e baseline
normalised to 1000; efficiencies and their errors do not depend on that scale) and on any
profile files given on the command line.

Usage: python benchmarks/rllib_scaling_accuracy.py [PROFILE.json ...]
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks._common import write_result  # noqa: E402

DATA = Path(__file__).resolve().parent / "data" / "rllib-writeup-i7-12700.csv"


def datasets(paths: list[str]):
    with open(DATA) as handle:
        rows = list(csv.DictReader(handle))
    yield ("source write-up: i7-12700, 16 threads, train batch 16384 (env steps/s = 1000 x speedup)",
           [(int(r["num_env_runners"]), int(r["num_envs_per_env_runner"])) for r in rows],
           [float(r["env_steps_per_s"]) for r in rows], None)
    from advisor import catalog
    from profiler.store import load_profile_file

    for name in catalog.shipped_names():
        profile = catalog.load_shipped(name)
        if profile.section("rllib") is not None:
            ok = profile.section("rllib").ok_points
            yield (f"shipped profile {name} ({profile.hardware.summary})", [p.key for p in ok],
                   [p.env_steps_per_s for p in ok], [p.env_steps_per_s_samples for p in ok])
    for path in paths:
        profile = load_profile_file(Path(path))
        if profile.section("rllib") is None:
            continue
        ok = profile.section("rllib").ok_points
        yield (f"profile {profile.name} ({profile.hardware.summary})", [p.key for p in ok],
               [p.env_steps_per_s for p in ok], [p.env_steps_per_s_samples for p in ok])


def report(label: str, keys, values, samples) -> list[str]:
    from advisor.units import format_range
    from models.validation_rllib import validate_rllib

    result = validate_rllib(keys, values, samples)
    lines = [f"## {label}", "", "| config | measured env steps/s | predicted | error | 90% interval | inside | "
             "efficiency measured | efficiency predicted | efficiency 90% interval | efficiency error (points) | "
             "interior |", "|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---|"]
    for r in result.rows:
        head = f"| {r.num_env_runners}r x {r.num_envs_per_env_runner}e | {r.measured:,.0f} | "
        interior = "yes" if r.interior else "no"
        if r.predicted is None:
            lines.append(head + f"- | - | - | - | - | - | - | - | {interior} | {r.reason}")
            continue
        head += (f"{r.predicted:,.0f} | {r.error:+.1%} | {format_range(r.low, r.high)} | "
                 f"{'yes' if r.inside else 'NO'} | ")
        if r.efficiency_predicted is None:
            lines.append(head + f"- | - | - | - | {interior} |")
            continue
        lines.append(head + f"{r.efficiency_measured:.1%} | {r.efficiency_predicted:.1%} | "
                     f"{r.efficiency_low:.1%}-{r.efficiency_high:.1%} | "
                     f"{(r.efficiency_predicted - r.efficiency_measured) * 100:+.1f} | {interior} |")
    lines.append("")
    if result.coverage is not None:
        eff = (f"; efficiency inside its interval at {result.efficiency_coverage:.0%}"
               if result.efficiency_coverage is not None else "")
        lines.append(f"Inside the 90% interval: {result.coverage:.0%} of {len([r for r in result.rows if r.predicted])} "
                     f"held-out points{eff}.")
    if result.worst_interior_error is not None:
        worst, worst_eff = result.worst_interior_error, result.worst_interior_efficiency_error
        lines.append(f"Interior runner counts: worst env steps/s error {worst:.1%} (goal <= 10%): "
                     f"{'met' if worst <= 0.10 else 'NOT met'}"
                     + (f"; worst efficiency error {worst_eff * 100:.1f} points (goal <= 10): "
                        f"{'met' if worst_eff <= 0.10 else 'NOT met'}" if worst_eff is not None else "") + ".")
    else:
        lines.append("No interior runner count to hold out (too few runner counts measured).")
    return lines + [""]


def main() -> None:
    lines = []
    for label, keys, values, samples in datasets(sys.argv[1:]):
        lines += report(label, keys, values, samples)
    path = write_result("rllib_scaling_accuracy", "Leave-one-out accuracy of the RLlib scaling model", "\n".join(lines))
    print(path.read_text())


if __name__ == "__main__":
    main()
