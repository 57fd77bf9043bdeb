"""Leave-one-out accuracy of the RLlib scaling model (USL over runners, envs-per-runner effect).

Goal (issue "prediction accuracy"): parallel-efficiency error at most 10% on interior runner
counts. Runs on every shipped profile with RLlib measurements, on the source write-up's table (benchmarks/data/rllib-writeup-i7-12700.csv: the
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
           [float(r["env_steps_per_s"]) for r in rows])
    from advisor import catalog
    from profiler.store import load_profile_file

    for name in catalog.shipped_names():
        profile = catalog.load_shipped(name)
        if profile.section("rllib") is not None:
            ok = profile.section("rllib").ok_points
            yield (f"shipped profile {name} ({profile.hardware.summary})", [p.key for p in ok],
                   [p.env_steps_per_s for p in ok])
    for path in paths:
        profile = load_profile_file(Path(path))
        if profile.section("rllib") is None:
            continue
        ok = profile.section("rllib").ok_points
        yield f"profile {profile.name} ({profile.hardware.summary})", [p.key for p in ok], [p.env_steps_per_s for p in ok]


def report(label: str, keys, values) -> list[str]:
    from models.scaling import leave_one_out

    rows = leave_one_out(keys, values)
    baseline = dict(zip(keys, values)).get((1, 1))
    lines = [f"## {label}", "", "| config | measured env steps/s | predicted | error | efficiency measured | "
             "efficiency predicted | efficiency error (points) | interior |", "|---|---:|---:|---:|---:|---:|---:|---|"]
    interior_errors = []
    for row in rows:
        (r, e), measured = row["key"], row["measured"]
        same_envs = sorted(k[0] for k in keys if k[1] == e)
        interior = same_envs[0] < r < same_envs[-1]
        if row["predicted"] is None or baseline is None or (r, e) == (1, 1):
            lines.append(f"| {r}r x {e}e | {measured:,.0f} | - | - | - | - | - | {'yes' if interior else 'no'} |"
                         + (f" {row.get('reason', 'baseline')}" if row["predicted"] is None else ""))
            continue
        eff_measured = measured / baseline / (r * e)
        eff_predicted = row["predicted"] / baseline / (r * e)
        eff_error = eff_predicted - eff_measured
        if interior:
            interior_errors.append(abs(eff_error))
        lines.append(f"| {r}r x {e}e | {measured:,.0f} | {row['predicted']:,.0f} | {row['error']:+.1%} | {eff_measured:.1%} "
                     f"| {eff_predicted:.1%} | {eff_error * 100:+.1f} | {'yes' if interior else 'no'} |")
    lines.append("")
    if interior_errors:
        worst = max(interior_errors)
        lines.append(f"Interior runner counts: worst efficiency error {worst * 100:.1f} points "
                     f"(goal <= 10): {'met' if worst <= 0.10 else 'NOT met'}.")
    else:
        lines.append("No interior runner count to hold out (too few runner counts measured).")
    return lines + [""]


def main() -> None:
    lines = []
    for label, keys, values in datasets(sys.argv[1:]):
        lines += report(label, keys, values)
    path = write_result("rllib_scaling_accuracy", "Leave-one-out accuracy of the RLlib scaling model", "\n".join(lines))
    print(path.read_text())


if __name__ == "__main__":
    main()
