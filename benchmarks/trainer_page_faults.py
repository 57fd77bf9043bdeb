"""Does the guest's fresh memory slow a PyTorch trainer? rl_zoo3's PPO (HalfCheetah-v5, 1 env) run
in alternating pairs as released and with glibc told to keep its freed memory (``GLIBC_TUNABLES``:
trim and mmap thresholds raised, 256 MiB top pad), each run's minor page faults (from ``wait4``)
and its own steady-state env steps/s (read from its ``time/fps`` table by advisor's sb3 preset, as
``command_trainers.py`` reads it: the rate between its first and last report).

Where the guest hands freed memory back to the host (benchmarks/README.md), every fault on a page
handed back costs a trip to the host; if that made rl_zoo3's speed vary, the faults would be many
and the kept-memory runs would take fewer. Writes benchmarks/results/trainer_page_faults.md.

    .venv/bin/python benchmarks/trainer_page_faults.py            # 3 pairs of 40k env steps
    .venv/bin/python benchmarks/trainer_page_faults.py --pairs 1 --steps 4000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._common import rl_zoo3_ppo, write_result  # noqa: E402

KEEP = ("glibc.malloc.trim_threshold=4000000000:glibc.malloc.mmap_threshold=33554432:"
        "glibc.malloc.top_pad=268435456")


def run(steps: int, keep: bool, folder: str) -> tuple[int, float, float]:
    """One rl_zoo3 run: ``(minor faults, its own steady env steps/s, wall s)``."""
    env = {k: v for k, v in os.environ.items() if k != "GLIBC_TUNABLES"}
    if keep:
        env["GLIBC_TUNABLES"] = KEEP
    done = rl_zoo3_ppo(steps, folder, env)
    return done.minor_faults, done.sps, done.wall_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=40_000, help="env steps per run")
    args = parser.parse_args()
    rows, by_mode = [], {False: [], True: []}
    with tempfile.TemporaryDirectory(prefix="advisor-faults-") as folder:
        for pair in range(1, args.pairs + 1):
            for keep in (False, True):
                faults, fps, wall = run(args.steps, keep, folder)
                by_mode[keep].append((faults, fps))
                rows.append(f"| {pair} | {'kept' if keep else 'as released'} | {faults:,} | {faults * 4096 / 2**20:,.0f} "
                            f"| {fps:,.0f} | {wall:.1f} |")
                print(rows[-1], flush=True)
    summary = []
    for keep, name in ((False, "as released"), (True, "memory kept")):
        faults = [f for f, _ in by_mode[keep]]
        fps = [s for _, s in by_mode[keep]]
        summary.append(f"- {name}: median {statistics.median(faults):,.0f} minor faults a run; env steps/s "
                       f"{min(fps):,.0f}-{max(fps):,.0f} (spread {(max(fps) - min(fps)) / statistics.median(fps):.1%})")
    body = "\n".join([
        f"rl_zoo3 PPO HalfCheetah-v5, 1 env, {args.steps:,} env steps a run, {args.pairs} alternating pairs; "
        f"kept memory: `GLIBC_TUNABLES={KEEP}`. Faults x 4 KiB is the memory they touched at most.", "",
        *summary, "",
        "| pair | glibc | minor faults | MiB | env steps/s (its own) | wall s |",
        "|---:|---|---:|---:|---:|---:|", *rows])
    print(write_result("trainer_page_faults", "rl_zoo3's page faults and speed, memory as released and kept", body))


if __name__ == "__main__":
    main()
