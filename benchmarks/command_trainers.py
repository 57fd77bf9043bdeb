"""``advisor calibrate command`` on the trainers people run, unmodified: CleanRL's PPO (continuous)
and rl_zoo3's PPO on a MuJoCo env through their presets, and a silent JAX script that runs whole
iterations of num_envs x 32 steps, calibrated without being told the 32.

For each program: two calibrations minutes apart (their env steps/s at the same num_envs must
agree within 5%), then two longer runs of the program at each evaluated num_envs (calibrated and
not), whose own steady-state figure (their mean) is compared with advisor's prediction (goal:
within 5%); how far the two runs are apart is the program's own repeatability:
CleanRL's ``SPS:`` lines and rl_zoo3's ``time/fps`` table read as cumulative averages (rate
between the first and the last report), the JAX script's own log.

    PYTHONPATH=$PWD python benchmarks/command_trainers.py --cleanrl-script PATH/ppo_continuous_action.py
    PYTHONPATH=$PWD python benchmarks/command_trainers.py --tiny       # a smoke run in a few minutes

CleanRL is not on PyPI for Python 3.11: pass a copy of ``cleanrl/ppo_continuous_action.py`` from
vwxyzjn/cleanrl (the gymnasium 1.x version of pull request 516); without one that program is
skipped. Writes benchmarks/results/command_trainers.md (``--tiny``: command_trainers_tiny.md).
Runs in a temporary ADVISOR_HOME.
"""

from __future__ import annotations

import argparse
import json
import os
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

PY = sys.executable


def programs(args) -> list[dict]:
    """What each program runs: its command after --, the preset, calibrated and evaluated num_envs."""
    tiny = args.tiny
    found = [{
        "name": "silent JAX cart-pole (iteration num_envs x 32, not given)",
        "command": [PY, str(ROOT / "examples" / "jax_silent_cartpole.py"), "--num-envs", "{num_envs}",
                    "--total-timesteps", "{total_timesteps}", "--log", "{log}"],
        "preset": None, "calibrate": (16, 256) if tiny else (16, 64, 256, 1024),
        "evaluate": (16, 128) if tiny else (16, 32, 128, 512, 1024), "own": "log",
    }, {
        "name": f"rl_zoo3 PPO {args.env}",
        "command": [PY, "-m", "rl_zoo3.train", "--algo", "ppo", "--env", args.env, "--log-folder", "{folder}",
                    "--seed", "1"],
        "preset": "sb3", "calibrate": (1, 4) if tiny else (1, 2, 4, 8), "evaluate": (1, 2) if tiny else (1, 2, 3, 6, 8),
        "own": "preset",
    }]
    if args.cleanrl_script:
        found.append({
            "name": f"CleanRL ppo_continuous_action.py {args.env}",
            "command": [PY, str(Path(args.cleanrl_script).resolve()), "--env-id", args.env, "--seed", "1"]
                       + (["--num-steps", "256"] if tiny else []),
            "preset": "cleanrl", "calibrate": (1, 4) if tiny else (1, 2, 4, 8),
            "evaluate": (1, 2) if tiny else (1, 2, 3, 6, 8), "own": "preset",
        })
    return found


def advisor(*cli: str, env: dict, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``advisor`` from this checkout (``env`` sets PYTHONPATH to it), run in ``cwd``: the folder a
    calibrated program runs in (CleanRL writes its runs/ there)."""
    return subprocess.run([PY, "-m", "advisor", *cli], capture_output=True, text=True, env=env, cwd=cwd)


def calibrate(program: dict, name: str, options: list[str], env: dict, work: Path) -> tuple[dict, float]:
    command = [a.replace("{log}", str(work / f"{name}-calibration.jsonl")).replace("{folder}", str(work / "logs"))
               for a in program["command"]]
    cli = ["calibrate", "command", "--name", name, "--num-envs", ",".join(map(str, program["calibrate"])), *options]
    if program["preset"]:
        cli += ["--preset", program["preset"]]
    started = time.monotonic()
    proc = advisor(*cli, "--", *command, env=env, cwd=work)
    if proc.returncode != 0:
        raise SystemExit(f"calibration {name} failed:\n{proc.stdout}\n{proc.stderr}")
    shown = json.loads(advisor("profile", "show", name, "--json", env=env).stdout)["command"]
    return shown, time.monotonic() - started


def halves(times: list[tuple[float, float]]) -> list[float] | None:
    """The program's rate over the first and the second half of its reports (drift with training)."""
    if len(times) < 3:
        return None
    middle = len(times) // 2
    parts = [(times[0], times[middle]), (times[middle], times[-1])]
    return [(b[0] - a[0]) / (b[1] - a[1]) if b[1] > a[1] else float("nan") for a, b in parts]


def own_figure(program: dict, num_envs: int, total: int, work: Path) -> tuple[float | None, list[float] | None]:
    """One run of the program at ``num_envs`` for ``total`` env steps, unmodified: its own steady figure
    and its rate over each half of the run."""
    from profiler.kinds.command.placeholders import substitute
    from profiler.trainers import trainer

    log = work / f"own-{num_envs}.jsonl"
    argv = [a.replace("{log}", str(log)).replace("{folder}", str(work / "logs")) for a in program["command"]]
    values = {"num_envs": num_envs, "total_timesteps": total}
    if program["preset"]:
        built = trainer(program["preset"]).command(argv, None, None)
        argv, steps = list(built.argv), built.num_steps
        values["num_steps"] = steps or 0
    proc = subprocess.run(substitute(argv, values), capture_output=True, text=True, cwd=work,
                          env={**os.environ, "WANDB_MODE": "disabled"})
    if proc.returncode != 0:
        return None, None
    if program["own"] == "log":
        line = json.loads(log.read_text().splitlines()[-1])
        return line["steady_sps"], line.get("halves_sps")
    return (trainer(program["preset"]).steady_sps(proc.stdout, values),
            halves(trainer(program["preset"]).report_times(proc.stdout, values)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cleanrl-script", help="a copy of CleanRL's ppo_continuous_action.py")
    parser.add_argument("--env", default="HalfCheetah-v5", help="the MuJoCo env CleanRL and rl_zoo3 train")
    parser.add_argument("--delta", default="20s", help="calibrate command's --delta")
    parser.add_argument("--own-seconds", type=float, default=60.0, help="how long each reference run trains")
    parser.add_argument("--tiny", action="store_true", help="tiny sizes and short runs: checks the script works")
    parser.add_argument("--only", help="run only programs whose name contains one of these (comma-separated)")
    args = parser.parse_args()
    if args.tiny:
        args.delta, args.own_seconds = "3s", 8.0
    options = ["--delta", args.delta, "--first-timesteps", "4k" if args.tiny else "20k"]
    sections = []
    summary = []
    with tempfile.TemporaryDirectory(prefix="advisor-bench-") as tmp:
        work = Path(tmp)
        env = {**os.environ, "ADVISOR_HOME": str(work / "home"), "PYTHONPATH": str(ROOT), "COLUMNS": "250",
               "WANDB_MODE": "disabled"}
        for index, program in enumerate(programs(args)):
            if args.only and not any(part in program["name"] for part in args.only.split(",")):
                continue
            names = [f"p{index}-a", f"p{index}-b"]
            shown, took = zip(*(calibrate(program, n, options, env, work) for n in names))
            first, second = ({p["num_envs"]: p for p in s["points"] if p["status"] == "ok"} for s in shown)
            agree = []
            lines = [f"## {program['name']}", "",
                     f"Calibrated twice (`--num-envs {','.join(map(str, program['calibrate']))}`"
                     f"{' --preset ' + program['preset'] if program['preset'] else ''}, {' '.join(options)}): "
                     f"{took[0]:.0f} s and {took[1]:.0f} s.", "",
                     "| num_envs | calibration A | calibration B | A/B | steps | A's repeats | program's own (A's runs) |",
                     "|---:|---:|---:|---:|---|---:|---:|"]
            for n in program["calibrate"]:
                a, b = first.get(n), second.get(n)
                if not a or not b:
                    lines.append(f"| {n} | {'-' if not a else round(a['train_sps'])} | "
                                 f"{'-' if not b else round(b['train_sps'])} | | | | |")
                    continue
                ratio = a["train_sps"] / b["train_sps"] - 1
                agree.append(abs(ratio))
                samples = a["train_sps_samples"]
                spread = (max(samples) - min(samples)) / statistics.median(samples) if len(samples) > 1 else 0
                basis = a["steps_basis"] + (f" ({a['iteration_steps']:,}/iter)" if a.get("iteration_steps") else "")
                own = f"{a['program_sps']:,.0f}" if a.get("program_sps") else "-"
                lines.append(f"| {n} | {a['train_sps']:,.0f} | {b['train_sps']:,.0f} | {ratio:+.1%} | {basis} | "
                             f"{spread:.1%} | {own} |")
            predicted = json.loads(advisor("predict", "--profile", names[0], "--num-envs",
                                           ",".join(map(str, program["evaluate"])), "--json", env=env).stdout)
            lines += ["", f"Predicted (calibration A) against the program's own steady-state figure: two runs of "
                          f"about {args.own_seconds:g} s at each num_envs, one after the other; the error is against "
                          "their mean, and each run's rate over the first and the second half of its reports shows "
                          "whether the program's speed drifts as training goes on:", "",
                      "| num_envs | calibrated | advisor env steps/s | 90% interval | program's own, run 1 / run 2 "
                      "| runs apart | halves (run 1) | error |",
                      "|---:|---|---:|---|---:|---:|---:|---:|"]
            errors, repeat = [], []
            for row in predicted:
                n = row["num_envs"]
                total = int(row["train_sps"] * args.own_seconds)
                runs = [own_figure(program, n, total, work) for _ in range(2)]
                figures = [own for own, _ in runs if own]
                own = statistics.mean(figures) if figures else None
                error = row["train_sps"] / own - 1 if own else None
                if error is not None:
                    errors.append(abs(error))
                apart = f"{figures[0] / figures[1] - 1:+.1%}" if len(figures) == 2 else "-"
                if len(figures) == 2:
                    repeat.append(abs(figures[0] / figures[1] - 1))
                split = runs[0][1]
                halves_text = f"{split[0]:,.0f} / {split[1]:,.0f}" if split else "-"
                shown_runs = " / ".join("-" if f is None else f"{f:,.0f}" for f, _ in runs)
                lines.append(f"| {n} | {'yes' if n in program['calibrate'] else 'no'} | {row['train_sps']:,.0f} | "
                             f"{row['train_sps_low']:,.0f}-{row['train_sps_high']:,.0f} | {shown_runs} | {apart} | "
                             f"{halves_text} | {'-' if error is None else f'{error:+.1%}'} |")
            within = sum(e <= 0.05 for e in errors)
            summary.append(f"- {program['name']}: {within} of {len(errors)} predictions within 5% of the program's "
                           f"own figure (worst {max(errors, default=float('nan')):.1%}); the two calibrations within "
                           f"{max(agree, default=float('nan')):.1%} of each other at every calibrated num_envs; "
                           f"the program's own two runs within {max(repeat, default=float('nan')):.1%} of each other.")
            sections.append("\n".join(lines))
            _write(args, summary, sections, partial=True)
    print(_write(args, summary, sections, partial=False).read_text())


def _write(args, summary: list[str], sections: list[str], partial: bool) -> Path:
    """The result file of the programs done so far (after each program, so a long run keeps them)."""
    body = ("Programs run unmodified; advisor's figures come from differential timing of whole runs, its steps from "
            "the preset (CleanRL: the script's num_steps; rl_zoo3: the table's total_timesteps) or, for the silent "
            "script, from the iteration it found in the wall time.\n\n" + "\n".join(summary) + "\n\n"
            + "\n\n".join(sections) + "\n")
    if partial:
        body = f"(In progress: {len(sections)} program(s) done so far.)\n\n" + body
    return write_result("command_trainers_tiny" if args.tiny else "command_trainers",
                        "advisor calibrate command on published trainers and a silent JAX script", body)


if __name__ == "__main__":
    main()
