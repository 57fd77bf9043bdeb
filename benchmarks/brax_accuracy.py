"""How well ``advisor recommend --kind brax`` predicts Brax PPO's training throughput: the
recommended ppo_params from a brax profile, then a real ``ppo.train`` run of exactly those params
(Playground's defaults for the env with the overrides; three training epochs, the first compiles),
and advisor's predicted train_sps against Brax's own ``training/sps`` of the epochs after the
first. The run uses ``num_resets_per_eval=0``, so ``training/sps`` counts one epoch's steps over
that epoch's time (with Playground's ``num_resets_per_eval=10`` it would be 10x too high). Goal:
within 10%.

    PYTHONPATH=$PWD python benchmarks/brax_accuracy.py [--profile NAME] [--batch-size 48,96]

``--batch-size`` (default 48,96: one recommendation and one run each) keeps Playground's
num_minibatches 32, unroll_length 30 and num_updates_per_batch 16 at smaller batches than
Playground's 1024, so that one training step takes seconds instead of minutes on a CPU; the
default CPU calibration measures batch 32 and 64 of that shape, so 48 is predicted between
measured batches and 96 beyond them, neither from a point of its own (the table says whether
a recommended config is one of the profile's points). ``--batch-size 0`` benchmarks
Playground's own shape.
Writes benchmarks/results/brax_accuracy.md. Runs in a temporary ADVISOR_HOME.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._common import write_result  # noqa: E402

DEFAULT_PROFILE = "epyc-2core-cpu-brax-cartpole"




def real_run(section, rec, workdir: Path, timeout_s: float) -> dict:
    """One measuring process of the recommended params: 3 epochs of 1 training step, no evals."""
    from profiler.runner import run_child

    p = rec.params
    spec = {"env": section.workload.env, "impl": section.workload.impl, "num_envs": p["num_envs"],
            "batch_size": p["batch_size"], "num_minibatches": p["num_minibatches"], "unroll_length": p["unroll_length"],
            "num_updates_per_batch": p["num_updates_per_batch"], "epochs": 3, "training_steps": 1,
            "num_eval_envs": 128, "run_evals": False, "seed": 0, "cache_dir": None, "platform": None}
    child = run_child("profiler.kinds.brax.point", spec, workdir, "benchmark", timeout_s)
    if (child.result or {}).get("status") != "ok":
        raise SystemExit(f"the run failed: {child.log_tail[-2000:]}")
    return child.result


def measured_in_profile(section, rec) -> bool:
    """Whether the recommended config is one of the profile's own points (an in-sample check)."""
    p = rec.params
    return any((q.num_envs, q.batch_size, q.num_minibatches, q.unroll_length, q.num_updates_per_batch)
               == (p["num_envs"], p["batch_size"], p["num_minibatches"], p["unroll_length"], p["num_updates_per_batch"])
               for q in section.all_ok_points)


def benchmark_one(section, profile: str, origin: str, batch_size: int | None, target: int,
                  timeout_s: float) -> tuple[dict, object]:
    """The recommendation at ``batch_size``, one real run of it, and the comparison's figures."""
    from advisor.kinds.brax.recommend import recommend_brax

    load_start = os.getloadavg()[0]
    rec = recommend_brax(section, target, profile=profile, profile_note=origin, batch_size=batch_size)
    with tempfile.TemporaryDirectory(prefix="advisor-bench-") as tmp:
        os.environ["ADVISOR_HOME"] = tmp
        result = real_run(section, rec, Path(tmp), timeout_s)
    o = rec.chosen
    after_first = statistics.median(result["brax_training_sps"][1:])
    return {"batch_size": batch_size, "params": rec.params, "env_steps_per_update": rec.env_steps_per_update,
            "in_sample": measured_in_profile(section, rec), "predicted": o.train_sps, "low": o.train_sps_low,
            "high": o.train_sps_high, "extrapolated": o.extrapolated, "brax_sps": result["brax_training_sps"],
            "after_first": after_first, "advisor_timing": result["train_sps_samples"], "error": o.train_sps / after_first - 1,
            "inside": o.train_sps_low <= after_first <= o.train_sps_high, "epochs_s": result["epochs_s"],
            "load": (load_start, os.getloadavg()[0])}, rec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default=DEFAULT_PROFILE)
    parser.add_argument("--batch-size", default="48,96",
                        help="comma-separated batch sizes, one recommendation and run each; 0: Playground's own")
    parser.add_argument("--target", type=int, default=60_000_000)
    parser.add_argument("--timeout", type=float, default=3600.0)
    args = parser.parse_args()
    from advisor import catalog

    loaded, origin = catalog.load(args.profile)
    section = loaded.section("brax")
    runs = []
    for b in (int(v) for v in args.batch_size.split(",")):
        row, rec = benchmark_one(section, args.profile, origin, b or None, args.target, args.timeout)
        runs.append((row, rec))
        print(f"batch {b}: predicted {row['predicted']:,.0f}, Brax {row['after_first']:,.0f} ({row['error']:+.1%})",
              flush=True)
    within = sum(abs(r["error"]) <= 0.10 for r, _ in runs)
    inside = sum(r["inside"] for r, _ in runs)
    head = ("| --batch-size | recommended ppo_params overrides | env steps per update | config among the profile's "
            "points | advisor's predicted train_sps (90% interval) | Brax's training/sps per epoch (the first compiles) "
            "| Brax's after the first epoch (median) | advisor's timing of the same epochs | error | epoch seconds "
            "| load average at start / end |")
    rows = [head, "|" + "---|" * head.count(" | ") + "---|"]
    for r, _ in runs:
        rows.append(
            f"| {r['batch_size'] or 'Playground'} | `{json.dumps(r['params'])}` | {r['env_steps_per_update']:,} | "
            f"{'yes (in sample)' if r['in_sample'] else 'no (out of sample)'} | {r['predicted']:,.0f} "
            f"({r['low']:,.0f} - {r['high']:,.0f}{'; extrapolated' if r['extrapolated'] else ''}) | "
            f"{', '.join(f'{s:,.0f}' for s in r['brax_sps'])} | {r['after_first']:,.0f} | "
            f"{', '.join(f'{s:,.0f}' for s in r['advisor_timing'])} | {r['error']:+.1%} "
            f"({'within' if abs(r['error']) <= 0.10 else 'outside'} 10%; {'inside' if r['inside'] else 'outside'} "
            f"the interval) | {', '.join(f'{s:.1f}' for s in r['epochs_s'])} | "
            f"{r['load'][0]:.2f} / {r['load'][1]:.2f} |")
    notes = "\n\n".join(f"Notes of the recommendation at --batch-size {r['batch_size'] or 'Playground'}:\n\n"
                         + "\n".join(f"- {n}" for n in rec.notes) for r, rec in runs)
    shapes = ", ".join(f"{p.num_envs}:{p.batch_size}:{p.num_minibatches}:{p.unroll_length}"
                       for p in section.all_ok_points)
    body = (f"Profile {args.profile}: {len(section.all_ok_points)} points on {section.accelerator.name} "
            f"(num_envs:batch_size:num_minibatches:unroll_length {shapes}).\n\n"
            f"For each --batch-size, the recommendation for {args.target:,} env steps of {section.workload.env} "
            "(Playground's other batch settings), then one real `ppo.train` of exactly those params (Playground's "
            "`brax_ppo_config` with the overrides, `num_resets_per_eval=0`, 3 epochs of one training step, no "
            "evaluations) in a fresh process.\n\n"
            + "\n".join(rows)
            + f"\n\n{within} of {len(runs)} within the 10% goal; {inside} of {len(runs)} measured values inside "
            "the 90% interval.\n\n" + notes + "\n\nThe load averages are the machine's context (2 cores; the run "
            "itself loads both).\n")
    path = write_result("brax_accuracy", "advisor recommend --kind brax: predicted against Brax's training/sps", body)
    print(path.read_text())


if __name__ == "__main__":
    main()
