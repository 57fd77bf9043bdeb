"""How well ``advisor recommend --kind brax`` predicts Brax PPO's training throughput, as a
Playground user meets it: ``advisor calibrate brax --quick`` (or a profile you name), then
``advisor recommend --kind brax --json``, then Brax's own ``ppo.train`` as released with exactly the
emitted ppo_params (the recommendation's Python: Playground's ``brax_ppo_config`` for the env
with advisor's overrides; Playground's wrapper and network_factory, as its trainer does; nothing
of advisor's imported), and advisor's predicted train_sps against Brax's own ``training/sps``.
Goal: within 10%.

    PYTHONPATH=$PWD python benchmarks/brax_accuracy.py [--profile NAME] [--batch-size 32,48]
        [--calibrate-args "--quick"] [--epochs 4] [--output FILE]

Each run trains ``--epochs`` epochs of one training step with ``num_resets_per_eval=0`` (with
Playground's 10, Brax's ``training/sps`` counts ten epochs' steps over one epoch's time) and no
evaluations. Brax's ``training/sps`` of an epoch that compiled includes the compile: the first
epoch always does, and brax 0.14.2 on a released jax compiles again in the second (the training
state comes back from the first epoch with another sharding). The comparison takes the median of
Brax's ``training/sps`` over the epochs after those, told apart by JAX's compile events inside
each epoch (recorded by the run as listeners, which change nothing), and the table shows every
epoch's.

``--batch-size`` (default 32,48: one recommendation and run each) keeps Playground's
num_minibatches 32, unroll_length 30 and num_updates_per_batch 16 at smaller batches than its 1024,
so that one training step takes seconds on a CPU; ``0`` benchmarks Playground's own shape. Without
``--profile`` the benchmark calibrates first (``--calibrate-args``, default ``--quick``: 16 and 64
envs at batch 64 x 4 minibatches x unroll 10, and 64:16:32:30), in a temporary ADVISOR_HOME, and
records how long that took; ``--home DIR`` calibrates there instead, into profile ``--name``, and
keeps it (the GPU device run ships it). Writes benchmarks/results/brax_accuracy.md unless
``--output``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import write_result  # noqa: E402

ENV = "CartpoleBalance"

# A user's script: the recommendation's Python, then Brax's ppo.train as Playground's trainer calls it.
# The JAX listeners only record when compiles happened (for telling compiling epochs apart).
RUN = """
import functools, json, sys, time
import jax, jax.monitoring
emitted, epochs = json.loads(sys.argv[1]), int(sys.argv[2])
compiling, hits, calls = [], [], []
jax.monitoring.register_event_duration_secs_listener(
    lambda event, seconds, **kw: compiling.append((time.perf_counter(), seconds))
    if event.startswith("/jax/core/compile/") else None)
jax.monitoring.register_event_listener(
    lambda event, **kw: hits.append(time.perf_counter()) if event == "/jax/compilation_cache/cache_hits" else None)
namespace = {}
exec(emitted["python"], namespace)
ppo_params = namespace["ppo_params"]
from brax.training.agents.ppo import networks as ppo_networks
from brax.training.agents.ppo import train as ppo
from mujoco_playground import registry, wrapper
p = emitted["params"]
steps = p["batch_size"] * p["num_minibatches"] * p["unroll_length"] * int(ppo_params.get("action_repeat", 1))
ppo_params.update(num_timesteps=epochs * steps, num_evals=epochs + 1, num_resets_per_eval=0)
params = dict(ppo_params)
factory = params.pop("network_factory", None)
num_eval_envs = params.pop("num_eval_envs", 128)
network_factory = (functools.partial(ppo_networks.make_ppo_networks, **factory) if factory
                   else ppo_networks.make_ppo_networks)
env = registry.load(emitted["env"], config_overrides={"impl": emitted["impl"]})
started = time.perf_counter()
ppo.train(environment=env, wrap_env_fn=wrapper.wrap_for_brax_training, network_factory=network_factory,
          num_eval_envs=num_eval_envs, run_evals=False,
          progress_fn=lambda step, m: calls.append({"t": time.perf_counter(), "step": int(step),
                                                    "training/walltime": float(m["training/walltime"]),
                                                    "training/sps": float(m["training/sps"])}), **params)
print(json.dumps({"calls": calls, "compiling": compiling, "hits": hits, "wall_s": time.perf_counter() - started,
                  "jax": jax.__version__, "devices": str(jax.devices())}))
"""


def advisor(*args: str, home: str, timeout_s: float) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout_s, env={**os.environ, "ADVISOR_HOME": home})
    if proc.returncode != 0:
        raise SystemExit(f"advisor {' '.join(args)} failed ({proc.returncode}): {proc.stderr[-3000:]}")
    return proc


def real_run(emitted: dict, epochs: int, timeout_s: float) -> dict:
    """Brax's ppo.train of the emitted params in a fresh process: every epoch's training/sps,
    and which epochs compiled."""
    from profiler.kinds.brax.point import compiled_epochs

    run = subprocess.run([sys.executable, "-c", RUN, json.dumps(emitted), str(epochs)], capture_output=True,
                         text=True, timeout=timeout_s, cwd=ROOT / "benchmarks",
                         env={k: v for k, v in os.environ.items() if not k.startswith("ADVISOR")})
    if run.returncode != 0:
        raise SystemExit(f"Brax's ppo.train failed: {run.stderr[-3000:]}")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    walltimes = [c["training/walltime"] for c in result["calls"]]
    seconds = [b - a for a, b in zip([0.0] + walltimes, walltimes)]
    flags = compiled_epochs(result["calls"], seconds, [tuple(e) for e in result["compiling"]], result["hits"], False)
    sps = [c["training/sps"] for c in result["calls"]]
    steady = [s for s, compiled in zip(sps, flags) if not compiled]
    if not steady:
        raise SystemExit(f"every one of the {len(sps)} epochs compiled; give more --epochs")
    return {**result, "epochs_s": seconds, "compiled": flags, "brax_sps": sps, "steady": statistics.median(steady)}


def benchmark_one(profile: str, batch_size: int | None, target: str, home: str, epochs: int,
                  timeout_s: float) -> dict:
    """The recommendation at ``batch_size`` (its ``--json``, as a user gets it), one real run of it."""
    args = ["recommend", "--kind", "brax", "--profile", profile, "--target", target, "--json"]
    if batch_size:
        args += ["--batch-size", str(batch_size)]
    load_start = os.getloadavg()[0]
    emitted = json.loads(advisor(*args, home=home, timeout_s=600).stdout)
    run = real_run(emitted, epochs, timeout_s)
    chosen = emitted["chosen"]
    return {"batch_size": batch_size, "params": emitted["params"], "env_steps_per_update": emitted["env_steps_per_update"],
            "predicted": emitted["train_sps"], "low": emitted["train_sps_low"], "high": emitted["train_sps_high"],
            "extrapolated": chosen["extrapolated"], "notes": emitted["notes"], "run": run,
            "error": emitted["train_sps"] / run["steady"] - 1,
            "inside": emitted["train_sps_low"] <= run["steady"] <= emitted["train_sps_high"],
            "command": emitted["train_jax_ppo"]["command"], "load": (load_start, os.getloadavg()[0])}


def table(runs: list[dict]) -> list[str]:
    head = ("| --batch-size | recommended ppo_params overrides | env steps per update | advisor's predicted train_sps "
            "(90% interval) | Brax's training/sps per epoch (* compiled) | Brax's over the epochs that did not "
            "compile (median) | error | epoch seconds | load average at start / end |")
    rows = [head, "|" + "---|" * (head.count(" | ") + 1)]
    for r in runs:
        run = r["run"]
        per_epoch = ", ".join(f"{s:,.0f}{'*' if c else ''}" for s, c in zip(run["brax_sps"], run["compiled"]))
        rows.append(
            f"| {r['batch_size'] or 'Playground'} | `{json.dumps(r['params'])}` | {r['env_steps_per_update']:,} | "
            f"{r['predicted']:,.0f} ({r['low']:,.0f} - {r['high']:,.0f}{'; extrapolated' if r['extrapolated'] else ''})"
            f" | {per_epoch} | {run['steady']:,.0f} | {r['error']:+.1%} "
            f"({'within' if abs(r['error']) <= 0.10 else 'outside'} 10%; {'inside' if r['inside'] else 'outside'} "
            f"the interval) | {', '.join(f'{s:.1f}' for s in run['epochs_s'])} | "
            f"{r['load'][0]:.2f} / {r['load'][1]:.2f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", help="a shipped profile to use instead of calibrating first")
    parser.add_argument("--env", default=ENV)
    parser.add_argument("--calibrate-args", default="--quick",
                        help="options of the first 'advisor calibrate brax' (without --profile)")
    parser.add_argument("--batch-size", default="32,48",
                        help="comma-separated batch sizes, one recommendation and run each; 0: Playground's own")
    parser.add_argument("--target", default="60M")
    parser.add_argument("--epochs", type=int, default=4, help="training epochs of each run (the first two compile)")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--output", help="write the result here instead of benchmarks/results/brax_accuracy.md")
    parser.add_argument("--home", help="ADVISOR_HOME to use, which keeps the calibrated profile (default: a temporary one)")
    parser.add_argument("--name", default="bench-brax", help="profile to calibrate into (without --profile)")
    args = parser.parse_args()
    homes = (contextlib.nullcontext(args.home) if args.home
             else tempfile.TemporaryDirectory(prefix="advisor-bench-brax-"))
    with homes as home:
        calibration = ""
        profile = args.profile
        if profile is None:
            profile = args.name
            started = time.monotonic()
            options = shlex.split(args.calibrate_args)
            advisor("calibrate", "brax", "--env", args.env, "--name", profile, *options, home=home,
                    timeout_s=args.timeout * 4)
            shown = advisor("profile", "show", profile, home=home, timeout_s=600).stdout
            calibration = (f"Calibrated first with `advisor calibrate brax --env {args.env} {args.calibrate_args}` "
                           f"in {time.monotonic() - started:.0f} s:\n\n```\n{shown.rstrip()}\n```\n\n")
        runs = []
        for b in (int(v) for v in args.batch_size.split(",")):
            row = benchmark_one(profile, b or None, args.target, home, args.epochs, args.timeout)
            runs.append(row)
            print(f"batch {b}: predicted {row['predicted']:,.0f}, Brax {row['run']['steady']:,.0f} "
                  f"({row['error']:+.1%})", flush=True)
    within = sum(abs(r["error"]) <= 0.10 for r in runs)
    inside = sum(r["inside"] for r in runs)
    versions = runs[0]["run"]["jax"] if runs else "?"
    notes = "\n\n".join(f"The recommendation at --batch-size {r['batch_size'] or 'Playground'} (Playground's trainer: "
                        f"`{r['command']}`):\n\n" + "\n".join(f"- {n}" for n in r["notes"]) for r in runs)
    body = (calibration
            + f"For each --batch-size, `advisor recommend --kind brax --profile {profile} --target {args.target} --json`, "
            f"then Brax's own `ppo.train` (jax {versions}, unpatched) of exactly the emitted params in a fresh process: "
            f"{args.epochs} epochs of one training step, `num_resets_per_eval=0`, no evaluations.\n\n"
            + "\n".join(table(runs))
            + f"\n\n{within} of {len(runs)} within the 10% goal; {inside} of {len(runs)} measured values inside "
            "the 90% interval.\n\n" + notes + "\n\nThe load averages are the machine's context (the run itself "
            "loads every core).\n")
    path = write_result("brax_accuracy", "advisor recommend --kind brax: predicted against Brax's training/sps", body,
                        Path(args.output) if args.output else None)
    print(path.read_text())


if __name__ == "__main__":
    main()
