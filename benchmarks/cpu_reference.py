"""Does advisor's reference loop see the CPU's speed change that makes a trainer's runs disagree?

Two parts, both with advisor's own pieces (:mod:`profiler.cpu_reference`, the sweep's
:class:`~profiler.contention_sampler.ContentionSampler` at its 0.5 s interval):

1. **Load.** The median reference pass with this machine idle, one core busy and every core busy
   (pure-Python burners): how much a sweep's own load moves the pass, which the note's threshold
   (``STEADY_SPREAD``) must stay above. Eight rounds of 3 s at each level, shuffled.
2. **A published trainer.** rl_zoo3's PPO (HalfCheetah-v5, 1 env, as released from PyPI) run again
   and again; for each run its own steady env steps/s (read from its ``time/fps`` table by
   advisor's sb3 preset, as ``command_trainers.py`` reads it) and the median reference pass the
   sampler timed beside it (``reference_ms``, as a calibration point records it). Where the
   machine's speed changes between runs, the two move together (slower CPU, longer pass, fewer
   env steps/s); their correlation across runs and each run's pass against the fastest run's.

Writes benchmarks/results/cpu_reference.md.

    .venv/bin/python benchmarks/cpu_reference.py                 # 10 runs of 40k env steps
    .venv/bin/python benchmarks/cpu_reference.py --runs 2 --steps 4000
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._common import rl_zoo3_ppo, write_result  # noqa: E402

BURN = "import time\nend = time.time() + {s}\nwhile time.time() < end: pass"


def load_part(seconds: float, rounds: int) -> tuple[list[str], dict[int, list[float]]]:
    """Reference passes (ms, one every 0.5 s as the sampler takes them) with 0, 1 and every core
    burning: ``rounds`` rounds of ``seconds`` at each level, the levels in a new order each round, so
    that a change of the host's speed over the minutes falls on every level alike."""
    import random

    from profiler.cpu_reference import reference_pass

    cores = os.cpu_count() or 1
    levels = sorted({0, 1, cores})
    found: dict[int, list[float]] = {k: [] for k in levels}
    order = random.Random(0)
    for _ in range(rounds):
        for busy in order.sample(levels, len(levels)):
            burners = [subprocess.Popen([sys.executable, "-c", BURN.format(s=seconds + 1.5)]) for _ in range(busy)]
            time.sleep(0.5)
            end = time.perf_counter() + seconds
            while time.perf_counter() < end:
                found[busy].append(1000.0 * reference_pass())
                time.sleep(0.5)  # the sampler's interval
            for b in burners:
                b.wait()
    rows = [f"| {busy} of {cores} | {len(found[busy])} | {statistics.median(found[busy]):.3f} | "
            f"{statistics.quantiles(found[busy], n=10)[0]:.3f}-{statistics.quantiles(found[busy], n=10)[-1]:.3f} |"
            for busy in levels]
    return rows, found


def trainer_run(steps: int, folder: str, sampler) -> tuple[float, float, float]:
    """One rl_zoo3 run: ``(its own steady env steps/s, the reference pass beside it (ms), wall s)``."""
    done = rl_zoo3_ppo(steps, folder)
    contention = sampler.judge({"timed_unix_s": [done.start, done.end]})
    return done.sps, contention.reference_ms, done.wall_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--steps", type=int, default=40_000, help="env steps per rl_zoo3 run")
    parser.add_argument("--load-seconds", type=float, default=3.0, help="seconds at one load level per round")
    parser.add_argument("--load-rounds", type=int, default=8)
    args = parser.parse_args()
    from profiler.contention_sampler import ContentionSampler
    from profiler.cpu_reference import REFERENCE_LOOP, STEADY_SPREAD

    load_rows, found = load_part(args.load_seconds, args.load_rounds)
    medians = [statistics.median(values) for values in found.values()]
    load_spread = max(medians) / min(medians) - 1
    print(*load_rows, sep="\n", flush=True)

    sampler = ContentionSampler().start()
    runs, rows = [], []
    try:
        with tempfile.TemporaryDirectory(prefix="advisor-reference-") as folder:
            for i in range(1, args.runs + 1):
                sps, ms, wall = trainer_run(args.steps, folder, sampler)
                runs.append((sps, ms))
                rows.append((i, time.strftime("%H:%M:%S", time.gmtime()), sps, ms, wall))
                print(f"run {i}: {sps:,.0f} env steps/s, reference {ms:.3f} ms, {wall:.1f} s", flush=True)
    finally:
        sampler.stop()
    sps_all = [s for s, _ in runs]
    ms_all = [m for _, m in runs]
    fast_ms = min(ms_all)
    best_sps = max(sps_all)
    corr = statistics.correlation(sps_all, [1 / m for m in ms_all]) if len(runs) >= 3 else float("nan")
    steady = [s for s, m in runs if m / fast_ms - 1 <= STEADY_SPREAD]
    table = [f"| {i} | {at} | {sps:,.0f} | {sps / best_sps - 1:+.1%} | {ms:.3f} | {ms / fast_ms - 1:+.1%} | {wall:.1f} |"
             for i, at, sps, ms, wall in rows]
    summary = [
        f"- Load: the median pass at the three load levels (idle, one core busy, every core busy) within "
        f"{load_spread:.1%} of each other (the note's threshold is {STEADY_SPREAD:.0%}).",
        f"- rl_zoo3's own env steps/s over {len(runs)} runs: {min(sps_all):,.0f}-{best_sps:,.0f} (slowest "
        f"{1 - min(sps_all) / best_sps:.1%} below the fastest); reference pass {fast_ms:.3f}-{max(ms_all):.3f} ms "
        f"(slowest {max(ms_all) / fast_ms - 1:.1%} longer).",
        f"- Correlation of the runs' env steps/s with the CPU's speed (1 / reference pass): {corr:.2f}.",
        f"- Runs whose pass was within {STEADY_SPREAD:.0%} of the fastest: {len(steady)} of {len(runs)}, env steps/s "
        + (f"{min(steady):,.0f}-{max(steady):,.0f} ({(max(steady) - min(steady)) / statistics.median(steady):.1%} apart)."
           if steady else "none."),
    ]
    body = "\n".join([
        f"Reference loop: {REFERENCE_LOOP:,} additions, thread CPU time per pass, timed every 0.5 s (advisor's sampler).", "",
        *summary, "",
        f"## Load ({args.load_rounds} rounds of {args.load_seconds:g} s per level, levels shuffled each round)", "",
        "| cores busy | passes | median pass, ms | 10th-90th percentile, ms |", "|---|---:|---:|---|", *load_rows, "",
        f"## rl_zoo3 PPO, HalfCheetah-v5, 1 env, {args.steps:,} env steps a run", "",
        "| run | ended (UTC) | env steps/s (its own) | vs fastest | reference pass, ms | vs fastest | wall s |",
        "|---:|---|---:|---:|---:|---:|---:|", *table])
    print(write_result("cpu_reference", "The CPU's reference loop beside a published trainer", body))


if __name__ == "__main__":
    main()
