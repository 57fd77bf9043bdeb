"""Benchmark of ``advisor race`` and ``recommend --objective time-to-score`` against the ground truth
of training every config to the score.

For each task (a training command that reaches a score on this CPU within minutes):

1. **ground truth**: every candidate num_envs x every seed trained to the score, one run at a time:
   each config in its own ``advisor race`` (nothing to halve against) with a budget no run exhausts.
   Their wall clocks added are what training every candidate to the score costs.
2. **race**: ``advisor race`` over the same candidates with ``--budget`` = half of the ground
   truth's wall clock, in a fresh profile.
3. **prediction**: ``advisor calibrate command`` of the same command, then for each config held out,
   ``recommend --objective time-to-score`` from the calibration and the ground truth's runs of the
   other configs (as one race) predicts its median time to score, compared with the ground truth.

Goals (issue "Time to score"): the race's winner's true median time to score within 10% of the best
config's, using at most half the ground truth's wall clock; every held-out config predicted within
25%. Results go to ``benchmarks/results/time_to_score.md`` (``--out``). Needs a quiet machine.

    python benchmarks/time_to_score.py --task reach --task sb3-cartpole
    python benchmarks/time_to_score.py --task reach --tiny      # a check that it runs, not a result

``cleanrl-cartpole`` runs CleanRL's ``ppo.py`` as published (the gymnasium-1.x port, vwxyzjn/cleanrl pull
request 516), unmodified, from ``$ADVISOR_CLEANRL_PPO`` (default ``/tmp/cleanrl/ppo.py``):
``git -C <cleanrl clone> show refs/pull/516/head:cleanrl/ppo.py > /tmp/cleanrl/ppo.py``. It writes its
TensorBoard ``runs/`` into the working directory.
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
PY = sys.executable

#: name -> (command with placeholders, score, candidates, num_steps, read options, calibrate options)
TASKS = {
    "reach": {
        "command": [PY, str(ROOT / "examples" / "numpy_reach.py"), "--num-envs", "{num_envs}", "--seed", "{seed}",
                    "--total-timesteps", "{total_timesteps}", "--num-steps", "{num_steps}", "--env-cost", "0.00005"],
        "score": -2.5, "num_envs": [2, 8, 32, 128], "num_steps": 5,
        "read": ["--score-regex", r"episodic_return=(\S+)", "--step-regex", r"global_step=(\d+)", "--window", "5"],
        "calibrate": ["--first-timesteps", "4k", "--delta", "3s"],
        "total_timesteps": "2M",
    },
    "pointmass": {
        "command": [PY, str(ROOT / "examples" / "jax_ppo_pointmass.py"), "--num-envs", "{num_envs}", "--seed", "{seed}",
                    "--total-timesteps", "{total_timesteps}", "--num-steps", "{num_steps}", "--lr", "3e-3",
                    "--update-epochs", "4", "--log-returns"],
        "score": -40.0, "num_envs": [4, 8, 16, 32], "num_steps": 32,
        "read": ["--score-regex", r"episodic_return=(\S+)", "--step-regex", r"global_step=(\d+)", "--window", "3"],
        "calibrate": ["--first-timesteps", "20k", "--delta", "10s"],
        "total_timesteps": "3M",
    },
    "cleanrl-cartpole": {
        "command": [PY, os.environ.get("ADVISOR_CLEANRL_PPO", "/tmp/cleanrl/ppo.py"), "--num-envs", "{num_envs}",
                    "--seed", "{seed}", "--total-timesteps", "{total_timesteps}", "--num-steps", "{num_steps}"],
        "score": 250.0, "num_envs": [1, 2, 4, 8], "num_steps": 128,
        "read": ["--preset", "cleanrl"],
        "calibrate": ["--first-timesteps", "4k", "--delta", "10s"],
        "total_timesteps": "500k",
    },
    "sb3-cartpole": {
        "command": [PY, str(ROOT / "examples" / "sb3_cartpole.py"), "--num-envs", "{num_envs}", "--seed", "{seed}",
                    "--total-timesteps", "{total_timesteps}", "--n-steps", "{num_steps}"],
        "score": 200.0, "num_envs": [1, 2, 4, 8], "num_steps": 128,
        "read": ["--preset", "sb3"],
        "calibrate": ["--first-timesteps", "4k", "--delta", "10s"],
        "total_timesteps": "1M",
    },
}


def advisor(*args: str, home: Path, timeout: float) -> dict:
    env = {**os.environ, "ADVISOR_HOME": str(home)}
    proc = subprocess.run([PY, "-m", "advisor", *args], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=timeout)
    if proc.returncode != 0:
        raise SystemExit(f"advisor {' '.join(args[:3])} failed ({proc.returncode}): {proc.stderr.strip()[-600:]}")
    return json.loads(proc.stdout) if "--json" in args else {}


def race(task: dict, home: Path, name: str, budget_s: float, num_envs: list[int], seeds: int) -> dict:
    args = ["race", *task["read"], "--score", str(task["score"]), "--budget", f"{budget_s:.0f}s", "--num-envs",
            ",".join(map(str, num_envs)), "--seeds", str(seeds), "--num-steps", str(task["num_steps"]),
            "--total-timesteps", task["total_timesteps"], "--name", name, "--json", "--", *task["command"]]
    started = time.monotonic()
    result = advisor(*args, home=home, timeout=budget_s * 3 + 600)
    result["wall_s"] = time.monotonic() - started
    return result


def ground_truth(task: dict, home: Path, seeds: int, budget_s: float) -> tuple[dict[int, float | None], float]:
    """Every config trained to the score, each config in its own race (nothing to eliminate it)."""
    medians, total = {}, 0.0
    for n in task["num_envs"]:
        result = race(task, home, f"truth-{n}", budget_s, [n], seeds)
        config = result["configs"][0]
        medians[n] = config["time_to_score_s"]
        total += result["spent_s"]
    return medians, total


def hold_out(home: Path, profile: str, others: list[int]) -> None:
    """Profile ``profile``: the calibration, and one race made of the ground truth's runs of the
    ``others`` configs (each trained to the score in its own race), as if a race had run them."""
    import dataclasses

    os.environ["ADVISOR_HOME"] = str(home)
    from profiler.store import load_profile_file, profile_path, save_profile

    calib = load_profile_file(profile_path("calib"))
    races = [load_profile_file(profile_path(f"truth-{n}")).race("command") for n in others]
    merged = dataclasses.replace(races[0], num_envs=tuple(sorted(others)),
                                 runs=tuple(r for race in races for r in race.runs),
                                 spent_s=sum(race.spent_s for race in races))
    save_profile(dataclasses.replace(calib, name=profile, races=(merged,)), profile_path(profile))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", action="append", choices=sorted(TASKS), help="task(s) to run (repeatable)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--truth-budget", type=float, default=3600.0, help="budget of each config's own race (s)")
    parser.add_argument("--tiny", action="store_true", help="two configs, one seed, short budgets: a smoke check")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "time_to_score.md")
    args = parser.parse_args()
    lines = ["# Time to score: advisor race and recommend --objective time-to-score against training every config",
             "", f"`python benchmarks/time_to_score.py {' '.join(sys.argv[1:])}`, {time.strftime('%Y-%m-%d %H:%M')}, "
             f"load average before: {os.getloadavg()[0]:.2f}", ""]
    ok = True
    for name in args.task or ["reach"]:
        task = dict(TASKS[name])
        seeds = 1 if args.tiny else args.seeds
        if args.tiny:
            task["num_envs"] = task["num_envs"][:2]
        home = Path(tempfile.mkdtemp(prefix=f"advisor-bench-{name}-"))
        truth, truth_s = ground_truth(task, home, seeds, 120 if args.tiny else args.truth_budget)
        known = {n: t for n, t in truth.items() if t is not None}
        if not known:
            raise SystemExit(f"{name}: no config reached score {task['score']} in the ground truth; raise --truth-budget")
        best_n = min(known, key=known.get)
        raced = race(task, home, "race", truth_s / 2, task["num_envs"], seeds)
        winner = raced["winner"]["num_envs"] if raced["winner"] else None
        winner_truth = truth.get(winner)
        within = winner_truth is not None and winner_truth <= 1.10 * known[best_n]
        cheap = raced["spent_s"] <= truth_s / 2 + 1.0
        # prediction: calibrate, then for each held-out config race the others and predict it
        advisor("calibrate", "command", "--name", "calib", "--num-envs", ",".join(map(str, task["num_envs"])),
                "--num-steps", str(task["num_steps"]), *task["calibrate"], "--",
                *[a if a != "{seed}" else "1" for a in task["command"]], home=home, timeout=3600)
        rows = []
        for held in task["num_envs"]:
            profile = f"calib-{held}"
            hold_out(home, profile, [n for n in task["num_envs"] if n != held])
            predicted = advisor("recommend", "--kind", "command", "--profile", profile, "--objective", "time-to-score",
                                "--score", str(task["score"]), "--json", home=home, timeout=600)
            option = next(o for o in predicted["options"] if o["num_envs"] == held)
            actual = truth[held]
            error = (option["time_s"] - actual) / actual if actual else None
            rows.append((held, option["time_s"], option["time_low_s"], option["time_high_s"], actual, error))
        accurate = all(e is not None and abs(e) <= 0.25 for *_, e in rows)
        ok = ok and within and cheap and accurate
        lines += [f"## {name}: score {task['score']}, num_envs {task['num_envs']}, {seeds} seeds", "",
                  "| num_envs | true median time to score (s) |", "|---:|---:|"]
        lines += [f"| {n} | {'censored' if t is None else f'{t:.1f}'} |" for n, t in truth.items()]
        lines += ["", f"- training every config to the score: {truth_s:.1f} s of wall clock; best: {best_n} envs "
                  f"({known[best_n]:.1f} s)",
                  f"- race (budget {truth_s / 2:.0f} s): winner {winner} (true median "
                  f"{'n/a' if winner_truth is None else f'{winner_truth:.1f} s'}), race wall clock "
                  f"{raced['spent_s']:.1f} s: winner within 10% of the best: {'yes' if within else 'NO'}; at most half "
                  f"the wall clock: {'yes' if cheap else 'NO'}", "",
                  "| held-out num_envs | predicted (s) | 90% interval | true median (s) | error |", "|---:|---:|---|---:|---:|"]
        lines += [f"| {h} | {p:.1f} | {lo:.1f}-{hi:.1f} | {'censored' if a is None else f'{a:.1f}'} | "
                  f"{'n/a' if e is None else f'{e:+.1%}'} |" for h, p, lo, hi, a, e in rows]
        lines += ["", f"- every held-out config within 25%: {'yes' if accurate else 'NO'}", ""]
        print("\n".join(lines[-(len(rows) + len(truth) + 12):]), flush=True)
    if not args.tiny:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n")
    print("all goals met" if ok else "some goals NOT met")
    return 0 if ok or args.tiny else 1


if __name__ == "__main__":
    sys.exit(main())
