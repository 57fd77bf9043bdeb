"""Device and profile locks with real processes: a holder is named, a SIGKILLed holder frees its
lock at once, a lock on one device does not block another, doctor reads locks without taking
them, and the lock folder is private: another real user (``nobody``, where the tests run as root)
can neither plant a lock file nor a link to a victim's file that a calibration would write."""

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from profiler.devicelock import DeviceBusy, SweepClaim, acquire, device_key, device_lock_path, held_device_locks
from profiler.errors import BadInput
from tests.conftest import ROOT, one_line_error, run_cli

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


# --- the lock folder is private: another local user cannot plant lock files or links in it ------------------

def _as_nobody(*command: str) -> None:
    """Run ``command`` as the real unprivileged user ``nobody`` (the test runs as root)."""
    subprocess.run(["runuser", "-u", "nobody", "--", *command], check=True, capture_output=True, timeout=30)


needs_root = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("runuser"),
                                reason="a second real user needs root (runuser -u nobody)")


def _calibrate_no_wait(lock_dir: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    script = tmp_path / "train.py"
    script.write_text("import sys, time; time.sleep(0.1)\n")
    return run_cli("calibrate", "command", "--name", "attack", "--num-envs", "4", "--no-wait", "--", sys.executable,
                   str(script), "{num_envs}", "{total_timesteps}", timeout=120,
                   env={"ADVISOR_LOCK_DIR": str(lock_dir), "ADVISOR_DEVICE_KEY": "cpu-vm"})


@needs_root
def test_another_users_link_to_a_victim_file_is_never_followed(tmp_path):
    """The campaign's attack: in a world-writable lock folder, user nobody links cpu-vm.lock to a
    file of the victim's; a calibration must neither open it nor change its mode or content."""
    victim = tmp_path / "victim"
    victim.write_text("the victim's data\n")
    victim.chmod(0o600)
    attack = Path(tempfile.mkdtemp(prefix="advisor-attack-", dir="/tmp"))
    try:
        attack.chmod(0o1777)  # like /tmp: anyone may create files in it
        _as_nobody("ln", "-s", str(victim), str(attack / "cpu-vm.lock"))
        assert (attack / "cpu-vm.lock").is_symlink() and (attack / "cpu-vm.lock").lstat().st_uid != 0
        line = one_line_error(_calibrate_no_wait(attack, tmp_path))
        assert "lock folder" in line and "can be written by other users" in line and "ADVISOR_LOCK_DIR" in line
        assert stat.S_IMODE(victim.stat().st_mode) == 0o600
        assert victim.read_text() == "the victim's data\n"
    finally:
        shutil.rmtree(attack, ignore_errors=True)


@needs_root
def test_a_lock_folder_another_user_made_first_is_refused(tmp_path):
    """Another user creates the default lock folder's name before this user's first calibration."""
    squatted = Path(tempfile.mkdtemp(prefix="advisor-squat-", dir="/tmp"))
    try:
        squatted.chmod(0o1777)  # like /tmp, where the default lock folder lives
        _as_nobody("mkdir", "-m", "700", str(squatted / "locks"))
        line = one_line_error(_calibrate_no_wait(squatted / "locks", tmp_path))
        assert "belongs to another user" in line
    finally:
        shutil.rmtree(squatted, ignore_errors=True)


def test_a_link_in_the_users_own_lock_folder_is_never_followed(tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("keep me\n")
    victim.chmod(0o640)
    locks = tmp_path / "locks"
    locks.mkdir(mode=0o700)
    (locks / "cpu-vm.lock").symlink_to(victim)
    line = one_line_error(_calibrate_no_wait(locks, tmp_path))
    assert "symbolic link" in line
    assert victim.read_text() == "keep me\n" and stat.S_IMODE(victim.stat().st_mode) == 0o640


def test_the_lock_folder_is_created_private_and_lock_files_are_never_chmod_ed(tmp_path, monkeypatch):
    folder = tmp_path / "fresh" / "locks"
    monkeypatch.setenv("ADVISOR_LOCK_DIR", str(folder))
    claim = SweepClaim("private")
    claim.device("cpu-private", wait=False)
    try:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and folder.stat().st_uid == os.getuid()
        assert stat.S_IMODE((folder / "cpu-private.lock").stat().st_mode) == 0o600
    finally:
        claim.release()
    existing = folder / "cpu-other.lock"
    existing.write_text("")
    existing.chmod(0o640)
    other = SweepClaim("private2")
    other.device("cpu-other", wait=False)
    other.release()
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640  # a file it did not create keeps its mode
    folder.chmod(0o777)
    with pytest.raises(BadInput, match="can be written by other users"):
        SweepClaim("private3").device("cpu-private", wait=False)
    folder.chmod(0o700)


def test_a_fifo_where_a_lock_file_should_be_is_refused_without_hanging(tmp_path, monkeypatch):
    folder = tmp_path / "locks"
    folder.mkdir(mode=0o700)
    os.mkfifo(folder / "cpu-fifo.lock")
    monkeypatch.setenv("ADVISOR_LOCK_DIR", str(folder))
    started = time.monotonic()
    with pytest.raises(BadInput, match="not a regular file"):
        SweepClaim("fifo").device("cpu-fifo", wait=False)
    assert time.monotonic() - started < 5
