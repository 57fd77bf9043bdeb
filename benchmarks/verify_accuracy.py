"""How well a profile predicts whole training runs: a real calibration of this machine, then
``advisor verify`` (the whole training to the target, as one whole-run scan) of the recommended
config and of other configs, one of them with a num_minibatches the calibration never measured.
For each: predicted against measured time to target (compile included) and train_sps, and the
error of the prediction. Goal (issue 12): the recommendation within 10%.

    PYTHONPATH=$PWD python benchmarks/verify_accuracy.py [--target 2M] [--configs rec,64x32,128x32,128x2]
        [--calibrate "--quick --platform cpu"] [--profile NAME --home DIR]

Everything runs through the CLI as a user runs it, in a temporary ADVISOR_HOME (``--home`` keeps
one; ``--profile`` with it skips the calibration and verifies an existing profile). A config is
``rec`` (what ``advisor recommend --target`` emits) or ``ENVSxMINIBATCHES``. The machine's load
average (``uptime``) before and after each run and each run's own contention record are written
with the results, to benchmarks/results/verify_accuracy.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._common import write_result  # noqa: E402


def advisor(*args: str, env: dict) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True, env=env,
                          cwd=HERE.parent)
    if proc.returncode != 0:
        raise SystemExit(f"advisor {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def verify_args(config: str) -> list[str]:
    if config == "rec":
        return []
    envs, _, minibatches = config.partition("x")
    return ["--num-envs", envs] + (["--num-minibatches", minibatches] if minibatches else [])


def timed_counts(section: dict) -> dict[int, list[int]]:
    """num_envs -> the num_minibatches timed there: the fused iteration's, and the update phase's."""
    counts: dict[int, set[int]] = {}
    for p in section["points"]:
        if p["status"] == "ok":
            counts.setdefault(p["num_envs"], set()).update(
                [p["num_minibatches"], *(u["num_minibatches"] for u in p.get("update_phases") or ())])
    return {n: sorted(k) for n, k in counts.items()}


def row(run: dict, timed: dict[int, list[int]]) -> str:
    """One result row from a verified run as the profile stores it."""
    contention = run.get("contention") or {}
    cores, load = contention.get("other_cpu_cores"), contention.get("load_avg_1m")
    here = timed.get(run["num_envs"], [])
    measured = ("yes" if run["num_minibatches"] in here else
                f"no (timed at {run['num_envs']} envs: {', '.join(map(str, here))})" if here else "no (num_envs not measured)")
    sps_error = (run["predicted_train_sps"] - run["measured_train_sps"]) / run["measured_train_sps"]
    return (f"| {run['num_envs']} envs x {run['num_steps']} steps, {run['num_minibatches']} minibatches "
            f"({run['num_updates']} updates) | {run['source']} | {measured} | {run['predicted_time_s']:.0f} s | "
            f"{run['measured_time_s']:.0f} s ({run['measured_compile_s']:.0f} + {run['measured_run_s']:.0f}) | "
            f"{time_error(run):+.1%} | {run['predicted_train_sps']:,.0f} | {run['measured_train_sps']:,.0f} | "
            f"{sps_error:+.1%} | {run.get('predicted_compile_s') or 0:.0f} s / {run['measured_compile_s']:.0f} s | "
            f"{(run.get('peak_bytes') or 0) / 2**20:,.0f} MiB | {'-' if cores is None else f'{cores:.2f} cores'}"
            f"{'' if load is None else f', load {load:.1f}'} |")


def time_error(run: dict) -> float:
    return (run["predicted_time_s"] - run["measured_time_s"]) / run["measured_time_s"]


def report(profile_file: Path, head: list[str], uptimes: Path, result: str = "verify_accuracy") -> Path:
    """The results file, from the profile's calibrated points and its verified runs."""
    section = json.loads(profile_file.read_text())["mjx"]
    timed = timed_counts(section)
    runs = section.get("verified_runs", [])
    lines = head + ["calibrated points: " + ", ".join(
        f"{p['num_envs']} envs x {p['num_minibatches']} minibatches: {p['train_sps']:,.0f} env steps/s"
        for p in section["points"] if p["status"] == "ok"), "",
        "| config | source | minibatches timed at these num_envs? | predicted time | measured time (compile + run) | time error | "
        "predicted train_sps | measured train_sps | train_sps error | compile predicted / measured | peak memory | "
        "other processes while it ran |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [row(run, timed) for run in runs]
    within = [f"{r['num_envs']}x{r['num_minibatches']}" for r in runs if abs(time_error(r)) <= 0.10]
    rec = [f"{time_error(r):+.1%}" for r in runs if r["source"] == "recommended"]
    lines += ["", f"within 10% of the measured time to target: {len(within)} of {len(runs)} ({', '.join(within) or 'none'}); "
              f"the recommendation: {', '.join(rec) or 'not run'} (goal: within 10%).", "",
              "time error = (predicted - measured) / measured time to target, compile included. The prediction is what "
              "`advisor recommend`/`predict` print for that exact config (`predicted_for_config`). \"other processes\" "
              "is the run's contention record: mean CPU cores other processes used while it trained, and the 1-minute "
              "load average at its end."]
    if uptimes.exists():
        lines += ["", "`uptime` around each step:", "", "```", uptimes.read_text().rstrip(), "```"]
    return write_result(result, "Verify: predicted vs measured whole training runs", "\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", default="2M")
    parser.add_argument("--configs", default="rec,64x32,128x32,128x2")
    parser.add_argument("--calibrate", default="--quick --platform cpu", help="options of 'advisor calibrate mjx'")
    parser.add_argument("--profile", default="bench-verify")
    parser.add_argument("--home", default=None, help="ADVISOR_HOME to use (default: a temporary one)")
    parser.add_argument("--report-only", action="store_true", help="write the results from the runs stored so far")
    parser.add_argument("--note", action="append", default=[], help="a paragraph to add to the results (repeatable)")
    parser.add_argument("--result", default="verify_accuracy",
                        help="results file name under benchmarks/results (verify_accuracy_gpu on a GPU)")
    args = parser.parse_args()
    home = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="advisor-verify-bench-"))
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "ADVISOR_HOME": str(home), "COLUMNS": "160"}
    env.pop("XLA_FLAGS", None)  # as users run it
    profile_file = home / "profiles" / f"{args.profile}.json"
    uptimes = home / "uptime.log"
    given = profile_file.exists() and not args.report_only
    calibration = f"--profile {args.profile}" if given else f"--calibrate \"{args.calibrate}\""
    head = [f"`benchmarks/verify_accuracy.py --target {args.target} --configs {args.configs} {calibration}`"
            + (" (a profile calibrated beforehand; its points are listed below)" if given else ""), ""] + [
        line for note in args.note for line in (note, "")]
    if not args.report_only:
        def note(what: str) -> None:
            with open(uptimes, "a") as handle:
                handle.write(f"{what}: {uptime()}\n")

        if not profile_file.exists():
            note("before calibration")
            started = time.monotonic()
            advisor("calibrate", "mjx", "--name", args.profile, *shlex.split(args.calibrate), env=env)
            note(f"after calibration ({time.monotonic() - started:.0f} s)")
        for config in args.configs.split(","):
            note(f"before verify {config}")
            data = json.loads(advisor("verify", "--profile", args.profile, "--target", args.target, "--json",
                                      *verify_args(config), env=env).stdout)
            note(f"after verify {config} ({data['time_error']:+.1%})")
            print(json.dumps({k: data[k] for k in list(data)[:6]} | {"config": data["config"]}), flush=True)
    print(f"wrote {report(profile_file, head, uptimes, args.result)}")


if __name__ == "__main__":
    main()
