"""How well ``advisor recommend --kind brax`` predicts Brax PPO's training throughput: the
recommended ppo_params from a brax profile, then a real ``ppo.train`` run of exactly those params
(Playground's defaults for the env with the overrides; three training epochs, the first compiles),
and advisor's predicted train_sps against Brax's own ``training/sps`` of the epochs after the
first. The run uses ``num_resets_per_eval=0``, so ``training/sps`` counts one epoch's steps over
that epoch's time (with Playground's ``num_resets_per_eval=10`` it would be 10x too high). Goal:
within 10%.

    PYTHONPATH=$PWD python benchmarks/brax_accuracy.py [--profile NAME] [--batch-size 32]

``--batch-size`` (default 32) keeps Playground's num_minibatches 32, unroll_length 30 and
num_updates_per_batch 16 at a smaller batch than Playground's 1024, so that one training step
takes seconds instead of minutes on a CPU; ``--batch-size 0`` benchmarks Playground's own shape.
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


def recommendation(profile: str, batch_size: int | None, target: int):
    from advisor import catalog
    from advisor.kinds.brax.recommend import recommend_brax

    loaded, origin = catalog.load(profile)
    section = loaded.section("brax")
    rec = recommend_brax(section, target, profile=profile, profile_note=origin, batch_size=batch_size)
    return section, rec


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", default=DEFAULT_PROFILE)
    parser.add_argument("--batch-size", type=int, default=32, help="0: Playground's own batch_size")
    parser.add_argument("--target", type=int, default=60_000_000)
    parser.add_argument("--timeout", type=float, default=3600.0)
    args = parser.parse_args()
    load_start = os.getloadavg()[0]
    section, rec = recommendation(args.profile, args.batch_size or None, args.target)
    o = rec.chosen
    with tempfile.TemporaryDirectory(prefix="advisor-bench-") as tmp:
        os.environ["ADVISOR_HOME"] = tmp
        result = real_run(section, rec, Path(tmp), args.timeout)
    load_end = os.getloadavg()[0]
    brax_sps = result["brax_training_sps"]
    after_first = statistics.median(brax_sps[1:])
    error = o.train_sps / after_first - 1
    inside = o.train_sps_low <= after_first <= o.train_sps_high
    rows = ["| quantity | value |", "|---|---|",
            f"| profile | {args.profile} ({len(section.all_ok_points)} points, {section.accelerator.name}) |",
            f"| recommended ppo_params overrides | `{json.dumps(rec.params)}` |",
            f"| env steps per update | {rec.env_steps_per_update:,} |",
            f"| advisor's predicted train_sps | {o.train_sps:,.0f} (90% interval {o.train_sps_low:,.0f} - "
            f"{o.train_sps_high:,.0f}; extrapolated: {'yes' if o.extrapolated else 'no'}) |",
            f"| Brax's training/sps per epoch (the first compiles) | {', '.join(f'{s:,.0f}' for s in brax_sps)} |",
            f"| Brax's training/sps after the first epoch (median) | {after_first:,.0f} |",
            f"| advisor's timing of the same epochs (training/walltime deltas) | "
            f"{', '.join(f'{s:,.0f}' for s in result['train_sps_samples'])} |",
            f"| error of the prediction | {error:+.1%} ({'within' if abs(error) <= 0.10 else 'outside'} the 10% goal; "
            f"measured value {'inside' if inside else 'outside'} the 90% interval) |",
            f"| epoch seconds | {', '.join(f'{s:.1f}' for s in result['epochs_s'])} |",
            f"| load average (1 min) at start / end | {load_start:.2f} / {load_end:.2f} |"]
    notes = "\n".join(f"- {n}" for n in rec.notes)
    body = (f"Recommendation for {args.target:,} env steps of {section.workload.env}"
            + (f" with --batch-size {args.batch_size} (Playground's other batch settings)" if args.batch_size else "")
            + ", then one real `ppo.train` of exactly those params (Playground's `brax_ppo_config` with the overrides, "
            "`num_resets_per_eval=0`, 3 epochs of one training step, no evaluations) in a fresh process.\n\n"
            + "\n".join(rows) + f"\n\nadvisor's notes on this recommendation:\n\n{notes}\n\n"
            "The machine's 2 cores are shared with other engineers' work: the load average above is the honest "
            "context of both the profile's and this run's numbers.\n")
    path = write_result("brax_accuracy", "advisor recommend --kind brax: predicted against Brax's training/sps", body)
    print(path.read_text())


if __name__ == "__main__":
    main()
