"""How well ``advisor calibrate command`` measures a real training script: for each example script,
advisor's env steps/s per num_envs (differential timing, nothing read from the output) against the
steady-state figure the script prints itself in the same (longer) run, and advisor's fixed cost
against the script's own start-up-to-first-iteration time (process start to the end of its first
iteration, less one steady iteration) in that run. Goal: env steps/s within 5%.

    PYTHONPATH=$PWD python benchmarks/command_accuracy.py [--delta 30s]

Writes benchmarks/results/command_accuracy.md. Runs in a temporary ADVISOR_HOME.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._common import write_result  # noqa: E402

EXAMPLES = {
    "jax_ppo_pointmass.py": {"num_envs": (64, 256, 1024), "num_steps": 32, "first": 8192},
    "torch_vec_reinforce.py": {"num_envs": (64, 256, 1024), "num_steps": 16, "first": 8192},
}
SPS = re.compile(r"steady-state env steps/s: ([0-9.]+)")
FIXED = re.compile(r"fixed cost: ([0-9.]+) s")


def printed(path: Path, pattern: re.Pattern) -> float | None:
    found = pattern.findall(path.read_text(errors="replace")) if path.exists() else []
    return float(found[-1]) if found else None


def calibrate(script: str, settings: dict, delta_s: float, home: Path):
    from profiler.kinds.command.schema import CommandWorkload
    from profiler.kinds.command.sweep import CommandSweepSpec, run_command_sweep

    argv = (sys.executable, str(HERE.parent / "examples" / script), "--num-envs", "{num_envs}", "--total-timesteps",
            "{total_timesteps}", "--num-steps", "{num_steps}")
    name = script.removesuffix(".py").replace("_", "-")
    spec = CommandSweepSpec(workload=CommandWorkload(argv=argv, cwd=str(HERE.parent), num_steps=settings["num_steps"]),
                            num_envs=settings["num_envs"], name=name, first_timesteps=settings["first"],
                            delta_s=delta_s, timeout_s=900.0)
    section = run_command_sweep(spec, name).section("command")
    return section, home / "runs" / name


def rows_for(script: str, section, runs: Path) -> list[tuple]:
    rows = []
    for p in section.points:
        if not p.ok:
            rows.append((script, p.num_envs, p.status, None, None, None, None))
            continue
        longest = max(p.runs, key=lambda r: r.total_timesteps)
        script_sps = script_fixed = None
        for stem in sorted(runs.glob(f"n{p.num_envs}-long*.out")):  # the run advisor used for the difference
            if f"env steps: {longest.total_timesteps}," in stem.read_text(errors="replace"):
                script_sps, script_fixed = printed(stem, SPS), printed(stem, FIXED)
        rows.append((script, p.num_envs, "ok", p.train_sps, script_sps, p.fixed_s, script_fixed,
                     ", ".join(f"{r.total_timesteps:,}: {r.wall_s:.2f} s" for r in p.runs)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delta", default="30s", help="wall-time difference to aim for between the two runs")
    args = parser.parse_args()
    from advisor.units import parse_duration

    delta_s = parse_duration(args.delta, "--delta")
    table = ["| script | num_envs | advisor env steps/s | script's steady-state env steps/s | error | "
             "advisor fixed cost | script's start-up to first iteration | runs (env steps: wall) |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    errors = []
    with tempfile.TemporaryDirectory(prefix="advisor-bench-") as tmp:
        os.environ["ADVISOR_HOME"] = tmp
        for script, settings in EXAMPLES.items():
            section, runs = calibrate(script, settings, delta_s, Path(tmp))
            for row in rows_for(script, section, runs):
                if row[2] != "ok":
                    table.append(f"| {row[0]} | {row[1]} | {row[2]} | | | | | |")
                    continue
                _, n, _, sps, own, fixed, own_fixed, walls = row
                error = sps / own - 1 if own else None
                if error is not None:
                    errors.append(abs(error))
                own_text = f"{own:,.0f} | {error:+.1%}" if own else "- | -"
                own_fixed_text = f"{own_fixed:.2f} s" if own_fixed is not None else "-"
                table.append(f"| {script} | {n} | {sps:,.0f} | {own_text} | {fixed:.2f} s | {own_fixed_text} | {walls} |")
    within = sum(e <= 0.05 for e in errors)
    summary = (f"{within} of {len(errors)} points within 5% of the script's own figure; median |error| "
               f"{sorted(errors)[len(errors) // 2]:.1%}, worst {max(errors):.1%}." if errors else "no point finished.")
    body = (f"Differential timing with runs chosen to differ by about {delta_s:g} s of wall time; no figure was "
            "read from the scripts' output for advisor's numbers. The script's figures come from the longer run "
            "advisor used: its steady-state env steps/s over the iterations after the first, and its "
            "start-up-to-first-iteration time (process start to the end of its first iteration, less one "
            "steady iteration). advisor's fixed cost also holds the interpreter's "
            "exit and, for a run whose first iteration is slower than the rest for other reasons than compile "
            "(caches warming), that excess.\n\n" + "\n".join(table) + f"\n\n{summary}\n")
    path = write_result("command_accuracy", "advisor calibrate command: accuracy against the scripts' own figures", body)
    print(path.read_text())


if __name__ == "__main__":
    main()
