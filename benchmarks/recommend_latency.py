"""Cold latency of `advisor recommend --target 100M --json` (goal: under 1 s), and proof that the
fast commands import no jax, ray or torch.

Usage: python benchmarks/recommend_latency.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks._common import write_result  # noqa: E402

COMMANDS = {
    "recommend --target 100M --json": ["recommend", "--target", "100M", "--json"],
    "recommend --profile rtx3070-locomujoco --target 100M --json": [
        "recommend", "--profile", "rtx3070-locomujoco", "--target", "100M", "--json"],
    "predict --profile rtx3070-locomujoco --num-envs 1024,8192 --json": [
        "predict", "--profile", "rtx3070-locomujoco", "--num-envs", "1024,8192", "--json"],
}
HEAVY = ("jax", "ray", "torch", "mujoco", "sklearn", "streamlit", "matplotlib")


def time_command(args: list[str], runs: int, home: str) -> list[float]:
    env = {**os.environ, "ADVISOR_HOME": home}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, env=env)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"advisor {' '.join(args)} failed: {proc.stderr.decode()}")
    return times


def heavy_imports(args: list[str], home: str) -> list[str]:
    code = ("import sys, io, contextlib\nfrom advisor.cli import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()): main({args!r})\n"
            f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "ADVISOR_HOME": home})
    return [m for m in proc.stdout.strip().split(",") if m]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    lines = ["Each command runs in a fresh interpreter (cold start: interpreter, imports, profile load, curve",
             f"fits, output); {runs} runs each, empty ADVISOR_HOME (so the default rule picks a shipped profile).",
             "", "| command | median (s) | max (s) | heavy modules imported | goal < 1 s |", "|---|---:|---:|---|---|"]
    with tempfile.TemporaryDirectory() as home:
        for label, args in COMMANDS.items():
            times = time_command(args, runs, home)
            heavy = heavy_imports(args, home)
            ok = "met" if statistics.median(times) < 1.0 and not heavy else "NOT met"
            lines.append(f"| `advisor {label}` | {statistics.median(times):.3f} | {max(times):.3f} | "
                         f"{', '.join(heavy) or 'none'} | {ok} |")
    path = write_result("recommend_latency", "Cold latency of the fast commands", "\n".join(lines))
    print(path.read_text())


if __name__ == "__main__":
    main()
