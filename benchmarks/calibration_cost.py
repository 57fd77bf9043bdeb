"""Calibration wall time: ``advisor calibrate mjx`` (parallel compiles into JAX's persistent cache,
then one measurement at a time) against the sequential baseline (each point compiles and runs in
turn in one process, no cache), side by side from one run of this script, on the same machine,
model and settings.

The advisor half runs first, as a user would run it (a fresh ``python -m advisor calibrate mjx``
process, cold compilation cache); the baseline then runs the num_envs that sweep measured, with
the same repeats and physics setting. ``--profile-dir`` keeps the measured profile (it is the
profile advisor ships for the machine); ``--deadline`` stops the baseline in time and says which
points it did not reach.

Goal (issue "calibration cost"): the default GPU sweep (6+ points) in at most 150 s on an
H100/H200, against roughly 50 s per point for the baseline.

Usage: python benchmarks/calibration_cost.py [--name NAME] [--profile-dir DIR] [--deadline 420]
       [-- extra advisor calibrate mjx options, e.g. --model humanoid --num-envs 16,64,256 --quick]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks._common import write_result  # noqa: E402


def run_advisor(args: list[str], home: Path, cache: Path, log: Path) -> float:
    """Time one ``advisor calibrate mjx`` as a user runs it; its output goes to ``log``."""
    env = {**os.environ, "ADVISOR_HOME": str(home), "ADVISOR_JAX_CACHE": str(cache), "COLUMNS": "160"}
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "advisor", "calibrate", "mjx", *args], stdout=out,
                                stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        try:
            proc.wait()
        except KeyboardInterrupt:  # Ctrl-C (or a deadline's SIGINT) reached the sweep too: let it save
            proc.wait()
    wall = time.monotonic() - started
    if proc.returncode != 0:  # an interrupted sweep keeps its finished points: report those
        print(f"advisor calibrate mjx exited {proc.returncode}; see {log}", flush=True)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default="bench", help="Profile name for the advisor sweep.")
    parser.add_argument("--profile-dir", type=Path, default=None,
                        help="Keep ADVISOR_HOME (profile and sweep logs) here instead of a temporary folder.")
    parser.add_argument("--deadline", type=float, default=None,
                        help="Seconds from the start after which no further baseline point starts.")
    parser.add_argument("--no-baseline", action="store_true",
                        help="Time the advisor sweep only (a device lease too short for the baseline).")
    parser.add_argument("advisor_args", nargs="*", help="Options passed to 'advisor calibrate mjx' (after --).")
    args = parser.parse_args()
    started = time.monotonic()

    from profiler.jax_child import failure
    from profiler.kinds.mjx.mjcf import resolve_model
    from profiler.kinds.mjx.points import child_spec
    from profiler.kinds.mjx.sweep import POINT_MODULE
    from profiler.runner import run_child
    from profiler.store import load_profile_file

    with tempfile.TemporaryDirectory(prefix="advisor-bench-") as tmp:
        tmp = Path(tmp)
        home = args.profile_dir or tmp / "home"
        home.mkdir(parents=True, exist_ok=True)
        log = home / "calibrate.log"
        advisor_wall = run_advisor(["--name", args.name, "--fresh", *args.advisor_args], home, tmp / "cache", log)
        saved = home / "profiles" / f"{args.name}.json"
        if not saved.exists():
            sys.exit(f"advisor calibrate mjx saved no profile; see {log}")
        profile = load_profile_file(saved)
        section = profile.section("mjx")
        settings = section.sweep_settings
        measured = [p.num_envs for p in section.points if p.status == "ok"]
        statuses = {p.num_envs: p.status for p in section.points}
        repeats, physics = section.repeats, settings["physics"]
        platform = settings.get("platform")
        model_path = resolve_model(section.workload.model)

        rows, baseline_total, not_reached = [], 0.0, []
        for n in [] if args.no_baseline else measured:
            if args.deadline and time.monotonic() - started > args.deadline:
                not_reached.append(n)
                continue
            spec = child_spec(section.workload, model_path, n, repeats=repeats, physics=physics, cache_dir=None,
                              platform=platform, seed=0, memory_limit_bytes=None, compile_only=False)
            child = run_child(POINT_MODULE, spec, tmp / "baseline", f"n{n}", 3600)
            baseline_total += child.wall_s
            result = child.result or {}
            rows.append((n, child.wall_s, result.get("compile_s"), failure(child)[0] or "ok"))
            print(f"baseline num_envs={n}: {child.wall_s:.1f} s", flush=True)

    device = section.accelerator
    done = len(rows)
    lines = [f"`advisor calibrate mjx {' '.join(args.advisor_args)}` (model `{section.workload.model}`, "
             f"num_steps {section.workload.num_steps}, {repeats} timed iterations after a warm-up, physics-only "
             f"timing {'on' if physics else 'off'}) on {device.name} ({device.platform}); the baseline runs the same "
             "points with the same settings, each compiling and running in one process with no cache.", "",
             "Points of the advisor sweep: " + ", ".join(f"{n} ({s})" for n, s in statuses.items()) + ".", "",
             "| num_envs | baseline: compile + run in one process (s) | of which compile (s) | status |",
             "|---:|---:|---:|---|"]
    lines += [f"| {n} | {wall:.1f} | {comp:.1f} | {status} |" if comp is not None else f"| {n} | {wall:.1f} | - | {status} |"
              for n, wall, comp, status in rows]
    lines += [f"| {n} | not run (deadline) | - | - |" for n in not_reached]
    advisor_row = (f"| advisor calibrate mjx (whole command: device probe, parallel compiles, measurements, adaptive "
                   f"points) | {len(measured)} | {advisor_wall:.1f} | {advisor_wall / max(len(measured), 1):.1f} |")
    if args.no_baseline:
        lines = lines[:4] + ["The sequential baseline was not run (--no-baseline: the device lease had no time for "
                             "it).", "", "| approach | points | wall time (s) | per point (s) |", "|---|---:|---:|---:|",
                             advisor_row]
    else:
        per_point = baseline_total / done if done else float("nan")
        lines += ["", "| approach | points | wall time (s) | per point (s) |", "|---|---:|---:|---:|",
                  f"| sequential baseline (each point compiles and runs in turn, no cache) | {done} | "
                  f"{baseline_total:.1f} | {per_point:.1f} |", advisor_row]
        estimate = baseline_total
        if not_reached:
            estimate = baseline_total + per_point * len(not_reached)
            lines += ["", f"The baseline reached {done} of {len(measured)} points before the deadline; at its "
                      f"measured {per_point:.1f} s per point all {len(measured)} would take about {estimate:.0f} s."]
        lines += ["", f"Speed-up: {estimate / advisor_wall:.2f}x."]
    name = f"calibration_cost_{device.platform}"
    path = write_result(name, "Calibration wall time: advisor calibrate mjx vs sequential baseline", "\n".join(lines))
    print(path.read_text())
    print(json.dumps({"advisor_wall_s": advisor_wall, "baseline_s": baseline_total, "points": len(measured)}))


if __name__ == "__main__":
    main()
