"""Calibration wall time: advisor's sweep (parallel compiles into JAX's persistent cache, then one
measurement at a time) against the sequential baseline (each point compiles and runs in turn,
no cache), side by side from one run of this script, on the same machine and settings.

Goal (issue "calibration cost"): the default GPU sweep (6+ points) in at most 150 s on an
H100/H200, against roughly 50 s per point for the baseline.

Usage: python benchmarks/calibration_cost.py [--model humanoid] [--num-envs 16,64,256]
       [--repeats 2] [--platform cpu] [--physics]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks._common import write_result  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="humanoid")
    parser.add_argument("--num-envs", default="16,64,256")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--platform", default=None)
    parser.add_argument("--physics", action="store_true")
    args = parser.parse_args()
    grid = tuple(int(n) for n in args.num_envs.split(","))

    from profiler.mjcf import resolve_model
    from profiler.points import child_spec, failure
    from profiler.profile import MjxWorkload
    from profiler.runner import run_child
    from profiler.sweep import POINT_MODULE, MjxSweepSpec, default_parallel_compiles, run_mjx_sweep

    workload = MjxWorkload(model=args.model)
    model_path = resolve_model(args.model)
    rows = []
    with tempfile.TemporaryDirectory(prefix="advisor-bench-") as tmp:
        tmp = Path(tmp)
        baseline_total = 0.0
        for n in grid:
            spec = child_spec(workload, model_path, n, repeats=args.repeats, physics=args.physics, cache_dir=None,
                              platform=args.platform, seed=0, memory_limit_bytes=None, compile_only=False)
            child = run_child(POINT_MODULE, spec, tmp / "baseline", f"n{n}", 3600)
            status = failure(child)[0] or "ok"
            baseline_total += child.wall_s
            rows.append((n, child.wall_s, (child.result or {}).get("compile_s"), status))

        os.environ["ADVISOR_HOME"] = str(tmp / "home")
        os.environ["ADVISOR_JAX_CACHE"] = str(tmp / "cache")
        parallel = default_parallel_compiles(len(grid))
        sweep_spec = MjxSweepSpec(workload=workload, num_envs=grid, repeats=args.repeats, physics=args.physics,
                                  platform=args.platform, timeout_s=3600)
        started = time.monotonic()
        profile = run_mjx_sweep(sweep_spec, "bench", parallel_compiles=parallel)
        advisor_total = time.monotonic() - started
        device = profile.mjx.accelerator

    lines = [f"Model `{args.model}`, num_envs {', '.join(map(str, grid))}, num_steps {workload.num_steps}, "
             f"{args.repeats} timed iterations after a warm-up, physics-only timing {'on' if args.physics else 'off'}, "
             f"device {device.name} ({device.platform}).", "",
             "| num_envs | baseline: compile + run in one process (s) | of which compile (s) | status |",
             "|---:|---:|---:|---|"]
    lines += [f"| {n} | {wall:.1f} | {comp:.1f} | {status} |" if comp is not None else f"| {n} | {wall:.1f} | - | {status} |"
              for n, wall, comp, status in rows]
    lines += ["", "| approach | wall time (s) | per point (s) |", "|---|---:|---:|",
              f"| sequential baseline (each point compiles and runs in turn, no cache) | {baseline_total:.1f} | "
              f"{baseline_total / len(grid):.1f} |",
              f"| advisor sweep ({parallel} compile(s) at a time into the persistent cache, then measure) | "
              f"{advisor_total:.1f} | {advisor_total / len(grid):.1f} |",
              "", f"Speed-up: {baseline_total / advisor_total:.2f}x."]
    path = write_result(f"calibration_cost_{device.platform}", "Calibration wall time: advisor sweep vs sequential "
                        "baseline", "\n".join(lines))
    print(path.read_text())


if __name__ == "__main__":
    main()
