"""Which fixed workload's speed moves with a published trainer's speed on this machine?

advisor times a fixed pure-Python loop beside every run (:mod:`profiler.cpu_reference`) to see the
CPU's own speed change under a calibration. On a shared VM a CPU trainer's speed also moves by tens
of percent over minutes; this benchmark asks which candidate reference follows it, and how much of
the trainer's spread dividing by that reference would remove.

One core runs Stable-Baselines3's PPO (as released from PyPI: ``PPO("MlpPolicy")`` on
HalfCheetah-v5, 4 envs, ``n_steps=512``, one torch thread), timing each iteration (rollout and
update) from SB3's public callback API. The other core cycles through the candidates, each timed in
thread CPU time:

- ``py``: advisor's reference pass (``reference_pass``, pure-Python integer additions);
- ``pyf``: the same loop's length of pure-Python float multiply-adds;
- ``np``: a forward and backward pass of a 17-64-64-6 tanh MLP on a batch of 64 in plain numpy (small
  compiled float kernels and their dispatch, what a reference without torch or MuJoCo could time);
- ``mem``: a copy of a 512 MiB array (memory bandwidth, beyond any cache);
- ``l2``: a copy of an 8 MiB array (a core's cache);
- ``torch``: one forward, backward and Adam step of a 17-64-64-6 MLP on a batch of 64;
- ``mj``: MuJoCo's ``mj_step`` of HalfCheetah (µs per step).

The trainer's mean iteration time and each candidate's median are taken over windows of 30, 60 and
120 s; for each candidate, the correlation of the two (in logs), the candidate's own range, the
trainer's spread once divided by the candidate (what normalising by it would leave), the slope of the
trainer's log on the candidate's (how many times the candidate's change the trainer's follows) and the
spread left once that slope is taken out.

Writes benchmarks/results/reference_candidates.md and the raw samples beside it.

    .venv/bin/python benchmarks/reference_candidates.py                # 25 minutes
    .venv/bin/python benchmarks/reference_candidates.py --minutes 1    # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks._common import json_lines, write_result  # noqa: E402

RAW = HERE / "results" / "reference_candidates"
CANDIDATES = ("py", "pyf", "np", "mem", "l2", "torch", "mj")
WINDOWS_S = (30, 60, 120)

#: The trainer: SB3's PPO as released, each iteration's wall time from its callback API.
TRAINER = """
import json, sys, time, torch
from stable_baselines3 import PPO
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.env_util import make_vec_env
torch.set_num_threads(1)
END = time.time() + float(sys.argv[1])
class Log(BaseCallback):
    def _on_training_start(self): self.last = time.time()
    def _on_rollout_start(self):
        now = time.time(); print(json.dumps({"t": round(now, 1), "iter_s": round(now - self.last, 4)}), flush=True)
        self.last = now
    def _on_step(self): return time.time() < END
PPO("MlpPolicy", make_vec_env("HalfCheetah-v5", n_envs=4), n_steps=512, device="cpu").learn(10**9, callback=Log())
"""


def probes():
    """The candidates: name -> (one call, calls per sample, unit scale)."""
    import gymnasium
    import mujoco
    import numpy as np
    import torch

    from profiler.cpu_reference import REFERENCE_LOOP, reference_pass

    torch.set_num_threads(1)
    model = mujoco.MjModel.from_xml_path(os.path.join(os.path.dirname(gymnasium.__file__),
                                                      "envs/mujoco/assets/half_cheetah.xml"))
    data = mujoco.MjData(model)
    big_a = np.ones(64 * 1024 * 1024)
    big_b = np.empty_like(big_a)
    mid_a = np.ones(1024 * 1024)
    mid_b = np.empty_like(mid_a)
    net = torch.nn.Sequential(torch.nn.Linear(17, 64), torch.nn.Tanh(), torch.nn.Linear(64, 64), torch.nn.Tanh(),
                              torch.nn.Linear(64, 6))
    opt = torch.optim.Adam(net.parameters())
    x = torch.randn(64, 17)

    rng = np.random.default_rng(0)
    xs, w1, w2, w3 = (rng.standard_normal(shape) * 0.1 for shape in ((64, 17), (17, 64), (64, 64), (64, 6)))

    def np_step():
        h1 = np.tanh(xs @ w1)
        h2 = np.tanh(h1 @ w2)
        grad_y = 2.0 * (h2 @ w3) / 384.0
        grad_h2 = (grad_y @ w3.T) * (1.0 - h2 * h2)
        grad_h1 = (grad_h2 @ w2.T) * (1.0 - h1 * h1)
        return (h2.T @ grad_y).sum() + (h1.T @ grad_h2).sum() + (xs.T @ grad_h1).sum()

    def float_pass():
        x = 0.5
        for _ in range(REFERENCE_LOOP):
            x = x * 1.0000001 + 1e-9
        return x

    def torch_step():
        opt.zero_grad()
        net(x).pow(2).mean().backward()
        opt.step()

    return {"py": (reference_pass, 50, 1.0), "pyf": (float_pass, 50, 1.0), "np": (np_step, 2000, 1.0),
            "mem": (lambda: np.copyto(big_b, big_a), 4, 1.0), "l2": (lambda: np.copyto(mid_b, mid_a), 200, 1.0), "torch": (torch_step, 500, 1.0),
            "mj": (lambda: mujoco.mj_step(model, data), 20_000, 1000.0)}


def sample(found) -> dict:
    """One sample of every candidate: thread CPU ms per call (µs per step for ``mj``)."""
    row = {"t": round(time.time(), 1)}
    for name, (call, calls, scale) in found.items():
        start = time.thread_time()
        for _ in range(calls):
            call()
        row[name] = round(scale * 1000.0 * (time.thread_time() - start) / calls, 4)
    return row


def present(probe: list[dict]) -> list[str]:
    """The candidates the samples hold (an older file may hold fewer)."""
    return [name for name in CANDIDATES if name in probe[0]]


def windows(probe: list[dict], trainer: list[dict], width: float) -> list[list[float]]:
    """Per window of ``width`` s both cover: the trainer's mean iteration time, then the median of each
    candidate the samples hold."""
    start, end = max(probe[0]["t"], trainer[0]["t"]), min(probe[-1]["t"], trainer[-1]["t"])
    rows = []
    while start + width <= end:
        p = [r for r in probe if start <= r["t"] < start + width]
        s = [r["iter_s"] for r in trainer if start <= r["t"] < start + width]
        if p and s:
            rows.append([statistics.mean(s)] + [statistics.median(r[k] for r in p) for k in present(probe)])
        start += width
    return rows


def summary(probe: list[dict], trainer: list[dict]) -> list[str]:
    import numpy as np

    lines = []
    for width in WINDOWS_S:
        a = np.array(windows(probe, trainer, width))
        if len(a) < 3:
            continue
        log_t = np.log(a[:, 0])
        lines += ["", f"### Windows of {width} s ({len(a)} windows)", "",
                  f"The trainer's mean iteration time: {100 * (a[:, 0].max() / a[:, 0].min() - 1):.1f}% from fastest to "
                  f"slowest window, standard deviation {100 * log_t.std():.2f}% (of its log).", "",
                  "| candidate | correlation with the trainer's iteration time | candidate's own range | the trainer's "
                  "standard deviation once divided by it | slope (the trainer's log on the candidate's) | the trainer's "
                  "standard deviation once the slope is taken out |", "|---|---:|---:|---:|---:|---:|"]
        for i, name in enumerate(present(probe), 1):
            log_c = np.log(a[:, i])
            r = float(np.corrcoef(log_c, log_t)[0, 1])
            left = float((log_t - (log_c - log_c.mean())).std())
            slope = float(np.polyfit(log_c, log_t, 1)[0])
            fitted = float((log_t - slope * log_c).std())
            lines.append(f"| {name} | {r:+.2f} | {100 * (a[:, i].max() / a[:, i].min() - 1):.1f}% | {100 * left:.2f}% | "
                         f"{slope:.2f} | {100 * fitted:.2f}% |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=25.0)
    parser.add_argument("--summarise", nargs=2, metavar=("CANDIDATES.jsonl", "TRAINER.jsonl"),
                        help="print the tables of samples kept from an earlier run, run nothing")
    parser.add_argument("--reading", default="", help="a reading of the results, put at the top of the file")
    args = parser.parse_args()
    if args.summarise:
        probe, trainer = (json_lines(Path(f)) for f in args.summarise)
        print("\n".join(summary(probe, trainer[2:])))
        return
    seconds = 60.0 * args.minutes
    RAW.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%H:%M UTC", time.gmtime())
    with open(RAW / "trainer.jsonl", "w") as out:
        child = subprocess.Popen([sys.executable, "-c", TRAINER, str(seconds)], stdout=out, stderr=subprocess.DEVNULL)
        found = probes()
        probe = []
        try:
            while child.poll() is None:
                probe.append(sample(found))
                time.sleep(1.0)
        finally:
            child.kill()
    (RAW / "candidates.jsonl").write_text("".join(json.dumps(r) + "\n" for r in probe))
    trainer = json_lines(RAW / "trainer.jsonl")
    trainer = trainer[2:]  # the first two iterations include the first call's set-up
    if len(trainer) < 3 or len(probe) < 3:
        sys.exit("too short a run to compare: give --minutes 1 or more")
    span = (min(probe[-1]["t"], trainer[-1]["t"]) - max(probe[0]["t"], trainer[0]["t"])) / 60.0
    body = [f"Run from {started}: {span:.1f} minutes of both, {len(trainer)} trainer iterations, {len(probe)} "
            "samples of the candidates (raw: reference_candidates/).", *summary(probe, trainer)]
    text = (f"{args.reading.strip()}\n\n" if args.reading.strip() else "") + "\n".join(body)
    print(write_result("reference_candidates", "Which reference follows a published trainer's speed", text))


if __name__ == "__main__":
    main()
