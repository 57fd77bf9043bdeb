"""Fault injection on real sweeps: SIGKILL then --resume, Ctrl-C/SIGTERM, a hanging point, an OOM.

The sweeps use the tiny PPO shape of test_calibrate_cpu and its two-link arm (tests/conftest.py
ARM): these tests look at the sweep's processes and records, not at the physics, and each
measuring process traces MJX's step in seconds, where half_cheetah takes 9-15 s even from JAX's
cache. The OOM test keeps half_cheetah: under --memory-limit its refused allocation raises
RESOURCE_EXHAUSTED, where the arm's at 65536 envs stalled XLA's CPU runtime (README). JAX's
persistent cache (shared by the session) spares most compiles.
"""

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from tests.conftest import ROOT, run_cli
from tests.profiler.kinds.mjx.test_calibrate_cpu import TINY

pytestmark = pytest.mark.slow


def tiny(grid: str, model: str | None = None) -> list[str]:
    """The shared tiny shape at ``grid`` on ``model``, without physics-only or phase timing (the
    compiles these fault tests do not look at; tests/profiler/kinds/mjx/test_calibrate_cpu.py
    checks both)."""
    args = list(TINY) + ["--no-physics", "--no-phases"]
    args[args.index("--num-envs") + 1] = grid
    if model:
        args[args.index("--model") + 1] = model
    return args


def start(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "advisor", "calibrate", "mjx", "--name", "f", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            env={**os.environ, **env})


def points(home) -> list[dict]:
    path = home / "profiles" / "f.json"
    if not path.exists():
        return []
    try:
        return json.loads(path.read_text())["mjx"]["points"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return []


def wait_for(predicate, timeout=300, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def point_children(proc: subprocess.Popen, phases=("compile", "measure")) -> list[psutil.Process]:
    """The sweep's processes for a point in one of ``phases`` (not the device probe)."""
    suffixes = tuple(f"-{phase}.spec.json" for phase in phases)
    try:
        return [c for c in psutil.Process(proc.pid).children(recursive=True)
                if any(part.endswith(suffixes) for part in c.cmdline())]
    except psutil.Error:
        return []


def gone(pids) -> bool:
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                return False
        except psutil.NoSuchProcess:
            continue
    return True


@pytest.fixture
def env(advisor_home, jax_cache):
    return {"ADVISOR_HOME": str(advisor_home), "ADVISOR_JAX_CACHE": str(jax_cache), "COLUMNS": "200"}


def test_sigkill_mid_sweep_then_resume_loses_and_duplicates_nothing(env, advisor_home):
    proc = start(env, *tiny("8,16"))
    wait_for(lambda: any(p["num_envs"] == 8 and p["status"] == "ok" for p in points(advisor_home)), what="point 8")
    children = wait_for(lambda: point_children(proc), what="the next point's process")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    first = points(advisor_home)
    assert [p["num_envs"] for p in first] == [8]
    wait_for(lambda: gone([c.pid for c in children]), timeout=30, what="orphans to die with the sweep")

    again = run_cli("calibrate", "mjx", "--name", "f", *tiny("8,16"), env=env)
    assert again.returncode == 2 and "--resume" in again.stderr  # never discarded silently
    resumed = run_cli("calibrate", "mjx", "--name", "f", "--resume", *tiny("8,16"), env=env, timeout=900)
    assert resumed.returncode == 0, resumed.stderr
    final = points(advisor_home)
    assert [p["num_envs"] for p in final] == [8, 16]
    assert all(p["status"] == "ok" for p in final)
    assert final[0] == first[0]  # the finished point was kept as it was, not re-measured


def test_resume_with_changed_settings_is_refused(env, advisor_home):
    proc = start(env, *tiny("8,16"))
    wait_for(lambda: point_children(proc), what="a point's process")
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    changed = run_cli("calibrate", "mjx", "--name", "f", "--resume", *tiny("8,16"), "--num-steps", "20", env=env)
    assert changed.returncode == 2 and "same settings" in changed.stderr


@pytest.mark.parametrize("sig,phase", [(signal.SIGTERM, "measure"), (signal.SIGINT, "compile")])
def test_interrupt_ends_every_child_and_keeps_finished_points(env, advisor_home, sig, phase):
    proc = start(env, *tiny("8,16"))
    children = wait_for(lambda: point_children(proc, (phase,)), what=f"a point's {phase} process")
    pids = [c.pid for c in children]
    time.sleep(1.0)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "--resume" in err and "Traceback" not in err
    wait_for(lambda: gone(pids), timeout=20, what="children to end")
    statuses = {p["num_envs"]: p["status"] for p in points(advisor_home)}
    if phase == "measure":  # the point in flight is recorded, so --resume measures it again
        assert "interrupted" in statuses.values()
    else:  # interrupted while compiling: nothing was measured yet
        assert statuses == {}


def test_a_hanging_point_is_ended_at_its_timeout(env, advisor_home):
    proc = start(env, *tiny("8"), "--timeout", "8")
    child = wait_for(lambda: point_children(proc), what="a point's process")[0]
    child.suspend()  # SIGSTOP: the point hangs for real
    started = time.monotonic()
    out, err = proc.communicate(timeout=120)
    # the 8 s timeout, SIGTERM's grace (a stopped process does not act on it) and the sweep's exit
    assert time.monotonic() - started < 90
    assert proc.returncode == 1 and "no point finished" in err
    [point] = points(advisor_home)
    assert point["status"] == "timeout"
    assert not psutil.pid_exists(child.pid) or psutil.Process(child.pid).status() == psutil.STATUS_ZOMBIE


def test_out_of_memory_is_the_boundary_and_a_calibrated_sweep_avoids_it(env, advisor_home):
    # one measured point is too few to predict memory, so 65536 envs runs and hits the limit for real
    proc = run_cli("calibrate", "mjx", "--name", "f", *tiny("8,65536", "half_cheetah"), "--memory-limit", "1.5G",
                   env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr
    [small, big] = points(advisor_home)
    assert (small["status"], big["status"]) == ("ok", "oom")
    assert "RESOURCE_EXHAUSTED" in big["error"] or "memory" in big["error"].lower()

    # with two measured points, peak memory is calibrated against XLA's memory analysis: 65536 is not run
    proc = run_cli("calibrate", "mjx", "--name", "f", "--fresh", *tiny("8,16,65536", "half_cheetah"),
                   "--memory-limit", "1.5G", env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr
    statuses = {p["num_envs"]: (p["status"], p["error"]) for p in points(advisor_home)}
    assert statuses[8][0] == statuses[16][0] == "ok"
    assert statuses[65536][0] == "skipped" and "predicted peak" in statuses[65536][1]
    rec = run_cli("recommend", "--profile", "f", "--target", "1M", "--json", env=env)
    assert json.loads(rec.stdout)["chosen"]["num_envs"] in (8, 16)


def test_overlap_prepares_the_next_point_and_measures_it_after_release(env, advisor_home):
    # forced on CPU (the GPU default): the next point's process starts while the current one is
    # timed, waits for its release, and then measures as if it had started on its own
    proc = run_cli("calibrate", "mjx", "--name", "f", *tiny("8,16,24"), "--overlap", env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr
    final = points(advisor_home)
    assert [(p["num_envs"], p["status"]) for p in final] == [(8, "ok"), (16, "ok"), (24, "ok")]
    runs = advisor_home / "runs" / "f"
    results = {n: json.loads((runs / f"n{n}-measure.result.json").read_text()) for n in (8, 16, 24)}
    assert "waited_s" not in results[8]  # the first point starts on its own
    for n in (16, 24):
        assert results[n]["waited_s"] >= 0 and results[n]["compile_cache_hit"]
        assert (runs / f"n{n}-measure.go").exists()
        assert len(results[n]["train_sps_samples"]) == 2
    section = json.loads((advisor_home / "profiles" / "f.json").read_text())["mjx"]
    assert "prepared" in section["method"]


def test_interrupt_with_a_prepared_point_ends_both_processes(env, advisor_home):
    proc = start(env, *tiny("8,16"), "--overlap")
    both = wait_for(lambda: (lambda c: c if len(c) == 2 else None)(point_children(proc, ("measure",))),
                    what="the measuring and the prepared process")
    pids = [c.pid for c in both]
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    wait_for(lambda: gone(pids), timeout=20, what="both measuring processes to end")
    statuses = {p["num_envs"]: p["status"] for p in points(advisor_home)}
    assert statuses.get(8) in ("ok", "interrupted") and statuses.get(16) in (None, "interrupted")
