"""Does advisor's way of running a command slow the command down?

``advisor calibrate command`` runs each of the user's runs through its point runner
(:mod:`profiler.kinds.command.point`): a guard process between it and the command, the command's
environment (the start-up hook on ``PYTHONPATH``, JAX's preallocation off), its output read as it
comes, and its process tree's resident memory sampled every 50 ms. Whatever CPU that takes is taken
from the program on a small machine. This benchmark runs one program three ways, in rounds whose
order rotates, and compares the program's own steady-state figure:

- ``direct``: the command alone (``subprocess.run``, output captured), as the trainers benchmark runs
  it for its own figure;
- ``environment``: the same, with the environment the point runner gives the command;
- ``point``: through the point runner itself, as a calibration runs it.

The program is the silent JAX script (``examples/jax_silent_cartpole.py``, its own figure from its
``--log``) at 1024 envs (all of a small machine's cores) and rl_zoo3's PPO (HalfCheetah-v5, its own figure
read by advisor's sb3 preset). A CPU reference pass beside every run (advisor's contention sampler,
as in a calibration) shows the machine's own speed.

Writes benchmarks/results/observer_effect.md.

    .venv/bin/python benchmarks/observer_effect.py              # 4 rounds
    .venv/bin/python benchmarks/observer_effect.py --rounds 1 --seconds 8
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

from benchmarks._common import json_lines, write_result  # noqa: E402

PY = sys.executable
WAYS = ("direct", "environment", "point")


def programs(seconds: float) -> list[dict]:
    """Each program: its name, argv (``{log}`` for the silent script's log), its preset and values."""
    silent_steps = int(seconds * 700_000)
    zoo_steps = int(seconds * 1_500)
    return [
        {"name": "silent JAX cart-pole, 1024 envs", "preset": None,
         "argv": [PY, str(ROOT / "examples" / "jax_silent_cartpole.py"), "--num-envs", "1024", "--total-timesteps",
                  str(silent_steps), "--log", "{log}"],
         "values": {"num_envs": 1024, "total_timesteps": silent_steps}},
        {"name": "rl_zoo3 PPO HalfCheetah-v5, 4 envs", "preset": "sb3",
         "argv": [PY, "-m", "rl_zoo3.train", "--algo", "ppo", "--env", "HalfCheetah-v5", "--log-folder", "{folder}",
                  "--seed", "1", "--hyperparams", "n_envs:4", "-n", str(zoo_steps)],
         "values": {"num_envs": 4, "total_timesteps": zoo_steps, "num_steps": 0}},
    ]


def own_figure(program: dict, stdout: str, log: Path) -> float | None:
    """The program's own steady-state env steps/s of the run just made."""
    if program["preset"] is None:
        lines = json_lines(log)
        return lines[-1]["steady_sps"] if lines else None
    from profiler.trainers import trainer

    return trainer(program["preset"]).steady_sps(stdout, program["values"])


def run_once(program: dict, way: str, work: Path, index: int) -> tuple[float | None, float]:
    """One run of ``program`` the given ``way``: (its own figure, wall s)."""
    from profiler.kinds.command.point import command_env

    log = work / f"own-{index}.jsonl"
    argv = [a.replace("{log}", str(log)).replace("{folder}", str(work / "logs")) for a in program["argv"]]
    spec = {"argv": argv, "env": {"WANDB_MODE": "disabled"}, "cwd": str(work),
            "memory_dir": str(work / f"m{index}"), "output_path": str(work / f"o{index}.out"),
            "memory_limit_bytes": None, "sps_regex": None, "steps_regex": None, "preset": program["preset"],
            "values": program["values"]}
    start = time.time()
    if way == "point":
        (work / f"s{index}.json").write_text(json.dumps(spec))
        subprocess.run([PY, "-m", "profiler.kinds.command.point", str(work / f"s{index}.json"),
                        str(work / f"r{index}.json")], cwd=ROOT, capture_output=True, text=True)
        output = Path(spec["output_path"])
        stdout = output.read_text(errors="replace") if output.exists() else ""
    else:
        env = command_env(spec) if way == "environment" else {**os.environ, "WANDB_MODE": "disabled"}
        stdout = subprocess.run(argv, cwd=work, capture_output=True, text=True, env=env).stdout
    return own_figure(program, stdout, log), time.time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=25.0, help="about how long one run trains")
    parser.add_argument("--only", help="run only the program whose name contains this")
    parser.add_argument("--reading", default="", help="a reading of the results, put at the top of the file")
    args = parser.parse_args()
    from profiler.contention_sampler import ContentionSampler

    sampler = ContentionSampler().start()
    body: list[str] = []
    index = 0
    with tempfile.TemporaryDirectory(prefix="advisor-observer-") as tmp:
        work = Path(tmp)
        for program in programs(args.seconds):
            if args.only and args.only not in program["name"]:
                continue
            found: dict[str, list[tuple[float, float | None]]] = {w: [] for w in WAYS}
            rows = []
            for r in range(args.rounds):
                for way in WAYS[r % 3:] + WAYS[:r % 3]:
                    index += 1
                    start = time.time()
                    sps, wall = run_once(program, way, work, index)
                    judged = sampler.judge({"timed_unix_s": [start, time.time()]})
                    ref = judged.reference_ms if judged is not None else None
                    if sps:
                        found[way].append((sps, ref))
                    rows.append(f"| {r + 1} | {way} | {sps:,.0f} | {wall:.1f} | {ref or 0:.2f} |" if sps else
                                f"| {r + 1} | {way} | failed | {wall:.1f} | - |")
                    print(rows[-1], flush=True)
            base = statistics.median(s for s, _ in found["direct"]) if found["direct"] else None
            summary = []
            for way in WAYS:
                if found[way] and base:
                    med = statistics.median(s for s, _ in found[way])
                    summary.append(f"{way} {med:,.0f} ({100 * (med / base - 1):+.1f}% against direct; runs "
                                   f"{min(s for s, _ in found[way]):,.0f}-{max(s for s, _ in found[way]):,.0f})")
            body += [f"## {program['name']}", "", "Median of the program's own env steps/s: " + "; ".join(summary) + ".",
                     "", "| round | way | own env steps/s | wall s | reference pass, ms |", "|---:|---|---:|---:|---:|",
                     *rows, ""]
    text = (f"{args.reading.strip()}\n\n" if args.reading.strip() else "") + \
        f"{args.rounds} rounds of about {args.seconds:.0f} s per run, the three ways' order rotating each round.\n\n" + \
        "\n".join(body)
    print(write_result("observer_effect", "Does advisor's way of running a command slow it down?", text))


if __name__ == "__main__":
    main()
