"""Calibrations that know they are not alone, with real sweep processes side by side: one device
one sweep (the second waits, --no-wait and --resume of a live sweep are refused naming it),
a SIGKILLed holder frees its device, a lock on one GPU does not block another (device keys
simulated on CPU), and a CPU-burning neighbour gets every point marked (and refused by --strict).

The sweeps that hold a device here are ``calibrate command`` sweeps of a script whose work is
known (it sleeps), which take the device lock and record contention through the same engine as
every kind at a fraction of an MJX compile's cost; one tiny MJX sweep and one RLlib sweep check
that those kinds wait for and are refused by the same lock.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from profiler.devicelock import held_device_locks
from tests.conftest import ROOT, one_line_error, run_cli
from tests.profiler.kinds.command.scripts import write_sleeper
from tests.profiler.test_faults import tiny, wait_for

pytestmark = pytest.mark.slow
BURN = "import time\nend = time.time() + 600\nwhile time.time() < end: pass"


@pytest.fixture
def env(advisor_home, jax_cache):
    return {"ADVISOR_HOME": str(advisor_home), "ADVISOR_JAX_CACHE": str(jax_cache), "COLUMNS": "200"}


@pytest.fixture
def sleeper(tmp_path) -> list[str]:
    return write_sleeper(tmp_path)


def command_args(name: str, sleeper: list[str], grid: str, *options: str) -> list[str]:
    """``calibrate command`` of the sleeper at ``grid``: runs of about 1 and 2.5 s per point (its work
    has no iteration: ``--num-steps 1``, no probe; one longer run)."""
    return ["calibrate", "command", "--name", name, "--num-envs", grid, "--first-timesteps", "1000",
            "--delta", "1.5s", "--timeout", "120", "--num-steps", "1", "--repeats", "1", *options, "--", *sleeper]


def start(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "advisor", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, **env})


def profile(home, name: str) -> dict | None:
    try:
        return json.loads((home / "profiles" / f"{name}.json").read_text())
    except (OSError, json.JSONDecodeError):
        return None


def holds(proc: subprocess.Popen, key_prefix: str = "") -> bool:
    return any(h.pid == proc.pid and h.key.startswith(key_prefix) for h in held_device_locks())


def test_a_second_sweep_on_the_device_waits_and_no_wait_or_resume_is_refused(env, advisor_home, sleeper, tmp_path):
    # the first sweep's last point hangs, so it holds the CPU for as long as the test needs, however
    # slowly the other processes start on a loaded machine; Ctrl-C then lets go of it
    (tmp_path / "HANG").write_text("16")
    first = start(env, *command_args("a", sleeper, "4,8,16"))
    wait_for(lambda: holds(first, "cpu-"), what="the first sweep to hold the host CPU")

    busy = one_line_error(run_cli("calibrate", "mjx", "--name", "c", *tiny("8"), "--no-wait", env=env))
    assert busy.startswith("advisor: cpu-") and f"pid {first.pid}" in busy and "calibrate command --name a" in busy
    resume = one_line_error(run_cli(*command_args("a", sleeper, "4,8,16", "--resume"), env=env))
    assert f"profile 'a' is being measured now by pid {first.pid}" in resume
    rllib = one_line_error(run_cli("calibrate", "rllib", "--quick", "--name", "r", "--no-wait", env=env))
    assert f"pid {first.pid}" in rllib  # RLlib sweeps measure on the host CPU too
    assert not (advisor_home / "profiles" / "c.json").exists() and not (advisor_home / "profiles" / "r.json").exists()

    log = tmp_path / "second.err"
    with log.open("w") as err_file:
        second = subprocess.Popen([sys.executable, "-m", "advisor", "calibrate", "mjx", "--name", "b", *tiny("8")],
                                  stdout=subprocess.PIPE, stderr=err_file, text=True, cwd=ROOT,
                                  env={**os.environ, **env})
    wait_for(lambda: "waiting for cpu-" in log.read_text(), timeout=300, what="the second sweep to wait")
    assert f"pid {first.pid}" in log.read_text()
    wait_for(lambda: (tmp_path / "hung.pid").exists(), timeout=300, what="the first sweep's last point")
    assert second.poll() is None and not (advisor_home / "runs" / "b" / "n8-compile.spec.json").exists()
    signalled = time.time()
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=120)
    assert first.returncode == 130, err
    kept = profile(advisor_home, "a")
    assert [(p["num_envs"], p["status"]) for p in kept["command"]["points"]] == [
        (4, "ok"), (8, "ok"), (16, "interrupted")]

    second.communicate(timeout=600)
    assert second.returncode == 0, log.read_text()
    # the MJX sweep compiled and measured only once the first had let go of the CPU
    started = (advisor_home / "runs" / "b" / "n8-compile.spec.json").stat().st_mtime
    assert started >= signalled
    assert [p["status"] for p in profile(advisor_home, "b")["mjx"]["points"]] == ["ok"]
    assert profile(advisor_home, "a") == kept  # nothing touched the first sweep's profile


def test_a_lock_on_one_gpu_does_not_block_another_and_a_sigkilled_holder_frees_its_own(env, advisor_home, sleeper):
    gpu_a, gpu_b = {**env, "ADVISOR_DEVICE_KEY": "gpu-AAAA"}, {**env, "ADVISOR_DEVICE_KEY": "gpu-BBBB"}
    holder = start(gpu_a, *command_args("a", sleeper, "4,8,16"))
    wait_for(lambda: holds(holder, "gpu-AAAA") and profile(advisor_home, "a"), what="the sweep on gpu-AAAA to start")
    holder.send_signal(signal.SIGSTOP)  # a live holder that will not finish while we look
    try:
        busy = one_line_error(run_cli(*command_args("c", sleeper, "4", "--no-wait"), env=gpu_a))
        assert busy.startswith("advisor: gpu-AAAA is busy") and f"pid {holder.pid}" in busy
        other = run_cli(*command_args("b", sleeper, "4", "--no-wait"), env=gpu_b, timeout=300)
        assert other.returncode == 0, other.stderr  # another GPU: measured at once, beside the held one
        assert "waiting" not in other.stderr
        assert [p["status"] for p in profile(advisor_home, "b")["command"]["points"]] == ["ok"]
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    # the killed sweep's device and profile are free at once: --resume --no-wait is not refused
    resumed = run_cli(*command_args("a", sleeper, "4,8,16", "--resume", "--no-wait"), env=gpu_a, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert [p["status"] for p in profile(advisor_home, "a")["command"]["points"]] == ["ok", "ok", "ok"]


def test_a_cpu_burning_neighbour_marks_points_and_strict_refuses_them(env, advisor_home, sleeper):
    burners = [subprocess.Popen([sys.executable, "-c", BURN]) for _ in range(2)]
    pids = {b.pid for b in burners}
    try:
        proc = run_cli(*command_args("e", sleeper, "4,8"), env=env, timeout=300)
        assert proc.returncode == 0, proc.stderr
        points = profile(advisor_home, "e")["command"]["points"]
        for p in points:
            assert p["status"] == "ok"
            contention = p["contention"]
            assert contention["other_cpu_cores"] > 0.25 and pids & {b["pid"] for b in contention["busiest"]}
            assert contention["window_s"] > 0 and contention["load_avg_1m"] > 0
        assert "(contended: other processes used" in proc.stderr and "ok, contended" in proc.stdout
        rec = json.loads(run_cli("recommend", "--kind", "command", "--profile", "e", "--target", "1M", "--json",
                                 env=env).stdout)
        assert any("2 of 2 points timed while other processes were busy" in n for n in rec["notes"])

        strict = run_cli(*command_args("s", sleeper, "4", "--strict"), env=env, timeout=300)
        assert strict.returncode == 1 and "--strict refused every point" in strict.stderr
        # each run of the point (the short and the longer one) is measured up to three times
        assert strict.stderr.count("measuring again") >= 2
        [point] = profile(advisor_home, "s")["command"]["points"]
        assert point["status"] == "contended" and "still contended after 3 measurement(s)" in point["error"]
        assert pids & {b["pid"] for b in point["contention"]["busiest"]}
    finally:
        for burner in burners:
            burner.kill()
            burner.wait(timeout=10)
