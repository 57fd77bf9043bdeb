"""Small training stand-ins for command sweeps, written into a test's folder: each takes
``--num-envs`` and ``--total-timesteps`` and does known work, so what advisor measures can be
checked exactly."""

from __future__ import annotations

import sys
from pathlib import Path

#: start-up of 0.5 s, then 1000 env steps per env per second; prints nothing. Below the size in
#: the HANG file (if any) it behaves; at or above it, it writes its pid and sleeps for ever; at or
#: above the size in the CRASH file it exits with an error; the run numbered in the JITTER file
#: starts a second late; with an ALTERNATE file every second run works at 600 env steps per env
#: per second and holds a ``slow.now`` file while it does (a machine whose speed comes and goes);
#: with a SLOW_FIRST file naming num_envs N, the runs at N do so until a run at another size has
#: started (a slow spell over one point), and each run counts itself in ``runs-<num_envs>.count``;
#: with a SLOW_RUNS file holding k, the first k runs of the sweep do so (a spell over the short runs);
#: while a SLOW_ALL file exists, every run that starts does so.
SLEEPER = '''
import os, sys, time
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
n, total = int(args["--num-envs"]), int(args["--total-timesteps"])
here = os.path.dirname(os.path.abspath(__file__))
def limit(name):
    path = os.path.join(here, name)
    return int(open(path).read()) if os.path.exists(path) else None
def bump(name):  # one more in the counter file, replaced whole so that a reader never sees it empty
    counter = os.path.join(here, name)
    count = (int(open(counter).read()) if os.path.exists(counter) else 0) + 1
    with open(counter + ".tmp", "w") as f:
        f.write(str(count))
    os.replace(counter + ".tmp", counter)
    return count
hang, crash, jitter = limit("HANG"), limit("CRASH"), limit("JITTER")
if jitter is not None:  # the run whose number is in the JITTER file starts a second late
    count = bump("runs.count")
    if count == jitter:
        time.sleep(1.0)
if crash is not None and n >= crash:
    sys.exit("ValueError: the env rejected num_envs=%d" % n)
if hang is not None and n >= hang:
    with open(os.path.join(here, "hung.pid"), "w") as f:
        f.write(str(os.getpid()))
    while True:
        time.sleep(1)
rate = 1000.0
slow = None
if os.path.exists(os.path.join(here, "ALTERNATE")):
    count = bump("alternate.count")
    if count % 2 == 0:
        rate, slow = 600.0, os.path.join(here, "slow.now")
        open(slow, "w").close()
if os.path.exists(os.path.join(here, "SLOW_FIRST")):
    count = bump("runs-%d.count" % n)
    first = int(open(os.path.join(here, "SLOW_FIRST")).read())
    if n == first and not [f for f in os.listdir(here) if f.startswith("runs-") and f.endswith(".count") and f != "runs-%d.count" % n]:
        rate, slow = 600.0, os.path.join(here, "slow.now")
        open(slow, "w").close()
if os.path.exists(os.path.join(here, "SLOW_RUNS")):
    count = bump("slow-runs.count")
    if count <= int(open(os.path.join(here, "SLOW_RUNS")).read()):
        rate, slow = 600.0, os.path.join(here, "slow.now")
        open(slow, "w").close()
if os.path.exists(os.path.join(here, "SLOW_ALL")):
    rate = 600.0
time.sleep(0.5)
time.sleep(total / (n * rate))
if slow:
    os.remove(slow)
'''


def write_sleeper(folder: Path) -> list[str]:
    """The sleeper script in ``folder``; returns its command with placeholders."""
    script = folder / "sleeper.py"
    script.write_text(SLEEPER)
    return [sys.executable, str(script), "--num-envs", "{num_envs}", "--total-timesteps", "{total_timesteps}"]

#: A silent trainer that runs whole iterations of ``num_envs * STEPS`` env steps (STEPS from a file
#: advisor is not told about), ``floor`` (``total // iteration`` of them, as CleanRL) or ``ceil``
#: (at least ``total`` steps, as Stable-Baselines3) from the ROUNDING file; 0.3 s of start-up,
#: then 1000 env steps per env per second; it writes the steps it ran to ``steps.log``.
STAIRCASE = '''
import math, os, sys, time
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
n, total = int(args["--num-envs"]), int(args["--total-timesteps"])
here = os.path.dirname(os.path.abspath(__file__))
steps = int(open(os.path.join(here, "STEPS")).read())
rounding = open(os.path.join(here, "ROUNDING")).read().strip()
iteration = n * steps
count = total // iteration if rounding == "floor" else math.ceil(total / iteration)
time.sleep(0.3)
for _ in range(count):
    time.sleep(steps / 1000.0)
with open(os.path.join(here, "steps.log"), "a") as f:
    f.write("%d %d %d\\n" % (n, total, count * iteration))
'''


def write_staircase(folder: Path, steps: int, rounding: str) -> list[str]:
    """The staircase script in ``folder`` with its iteration and rounding; returns its command."""
    script = folder / "staircase.py"
    script.write_text(STAIRCASE)
    (folder / "STEPS").write_text(str(steps))
    (folder / "ROUNDING").write_text(rounding)
    return [sys.executable, str(script), "--num-envs", "{num_envs}", "--total-timesteps", "{total_timesteps}"]
