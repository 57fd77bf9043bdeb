"""Device and profile locks with real processes: a holder is named, a SIGKILLed holder frees its
lock at once, a lock on one device does not block another, and doctor reads locks without
taking them."""

import os
import signal
import subprocess
import sys
import time

import pytest

from profiler.devicelock import DeviceBusy, SweepClaim, acquire, device_key, device_lock_path, held_device_locks
from tests.conftest import ROOT, run_cli

HOLD = """
import sys, time
from profiler.devicelock import SweepClaim
claim = SweepClaim(sys.argv[1])
claim.device(sys.argv[2])
print("held", flush=True)
time.sleep(float(sys.argv[3]))
"""


def hold(profile: str, key: str, seconds: float = 120.0) -> subprocess.Popen:
    """A process that holds ``profile``'s and ``key``'s locks for ``seconds``."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, profile, key, str(seconds)], stdout=subprocess.PIPE, text=True,
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.readline().strip() == "held"
    return proc


def refuse(key: str) -> str:
    with pytest.raises(DeviceBusy) as info:
        acquire(device_lock_path(key), key, wait=False, busy=lambda h: f"busy: {h.described}")
    return str(info.value)


def test_a_sigkilled_holder_releases_its_locks_at_once():
    holder = hold("p", "cpu-test")
    try:
        message = refuse("cpu-test")
        assert f"pid {holder.pid}" in message and "since" in message
        with pytest.raises(DeviceBusy, match="profile 'p' is being measured now by pid"):
            SweepClaim("p")
        assert [h.pid for h in held_device_locks()] == [holder.pid]
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
    claim = SweepClaim("p")  # neither lock outlives a killed holder, even though its record is still in the file
    claim.device("cpu-test", wait=False)  # raises DeviceBusy if the lock were still held
    assert [h.pid for h in held_device_locks()] == [os.getpid()]
    claim.release()
    assert held_device_locks() == []


def test_a_lock_on_one_gpu_does_not_block_another():
    holder = hold("p", "gpu-AAAA")
    try:
        claim = SweepClaim("q")
        claim.device("gpu-BBBB", wait=False)  # another device: taken at once
        assert "gpu-AAAA" not in str(claim.device_lock.path)
        claim.release()
        assert f"pid {holder.pid}" in refuse("gpu-AAAA")
    finally:
        holder.kill()
        holder.wait(timeout=10)


def test_a_waiter_names_the_holder_then_runs_when_it_ends():
    holder = hold("p", "cpu-test", seconds=2.0)
    messages = []
    claim = SweepClaim("q")
    started = time.monotonic()
    claim.device("cpu-test", wait=True, on_wait=messages.append)
    waited = time.monotonic() - started
    assert holder.wait(timeout=10) == 0  # the holder slept its 2 s out, holding the lock
    assert 0 < waited < 60
    [message] = messages  # it waited (the message is sent only when the lock is busy)
    assert message.startswith("waiting for cpu-test:") and f"pid {holder.pid}" in message and "--no-wait" in message
    claim.release()


def test_device_keys_name_the_host_cpu_and_can_be_simulated(monkeypatch):
    import socket

    assert device_key("cpu") == f"cpu-{socket.gethostname()}"
    monkeypatch.setenv("ADVISOR_DEVICE_KEY", "gpu-simulated-0")
    assert device_key("gpu") == device_key("cpu") == "gpu-simulated-0"


def test_doctor_names_a_held_lock_and_other_cpu_use():
    burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    holder = hold("p", "cpu-test")
    try:
        time.sleep(0.5)
        proc = run_cli("doctor", "--json", timeout=300)
        import json

        checks = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
        locks = checks["calibration locks"]
        assert locks["status"] == "warn" and f"pid {holder.pid}" in locks["detail"] and "cpu-test" in locks["detail"]
        assert "profile p" in locks["detail"]
        cpu = checks["other CPU use"]
        cores = float(cpu["detail"].split("other processes use ")[1].split()[0])
        assert cpu["status"] == "warn" and cores > 0.25  # the burner alone uses more than that
    finally:
        for proc in (burner, holder):
            proc.kill()
            proc.wait(timeout=10)
    after = json.loads(run_cli("doctor", "--json", timeout=300).stdout)
    assert {c["name"]: c for c in after["checks"]}["calibration locks"]["status"] == "ok"
