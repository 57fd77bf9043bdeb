"""Nothing a user's command starts outlives its run: real processes, detached ones included.

The command below starts a child that detaches into a session of its own (``setsid``, then a
second fork, as daemons do), writes both pids, and then waits (or exits at once, leaving the
detached child behind). Whether the run ends normally, at its ``--timeout``, or because
``advisor calibrate command`` itself is SIGKILLed, every one of them is gone within seconds, and
the next calibration on the device runs alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from profiler.kinds.command.guard import descendants
from profiler.kinds.command.point import HEAD_BYTES, TAIL_BYTES, BoundedOutput, measure
from tests.conftest import ROOT, run_cli

#: ``--num-envs N --total-timesteps T``; writes main.pid and detached.pid next to itself, then
#: sleeps ``MAIN_S`` (the file next to it, default forever) while the detached child sleeps forever.
DETACHING = '''
import os, sys, time
here = os.path.dirname(os.path.abspath(__file__))
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        with open(os.path.join(here, "detached.pid.tmp"), "w") as f:
            f.write(str(os.getpid()))
        os.replace(os.path.join(here, "detached.pid.tmp"), os.path.join(here, "detached.pid"))
        while True:
            time.sleep(1)
    os._exit(0)
with open(os.path.join(here, "main.pid.tmp"), "w") as f:
    f.write(str(os.getpid()))
os.replace(os.path.join(here, "main.pid.tmp"), os.path.join(here, "main.pid"))
path = os.path.join(here, "MAIN_S")
seconds = float(open(path).read()) if os.path.exists(path) else 1e9
while not os.path.exists(os.path.join(here, "detached.pid")):
    time.sleep(0.01)
time.sleep(seconds)
'''


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def wait_for(path: Path, timeout: float = 60.0) -> int:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)
    return int(path.read_text())


def gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def command(tmp_path: Path) -> list[str]:
    script = tmp_path / "detaching.py"
    script.write_text(DETACHING)
    return [sys.executable, str(script), "--num-envs", "{num_envs}", "--total-timesteps", "{total_timesteps}"]


def calibrate(tmp_path: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "advisor", "calibrate", "command", "--name", "orphans", "--num-envs", "4",
            "--first-timesteps", "100", *extra, "--", *command(tmp_path)]


def test_sigkill_of_the_calibration_ends_the_command_and_its_detached_children(tmp_path):
    env = {**os.environ, "ADVISOR_DEVICE_KEY": "cpu-orphans"}
    sweep = subprocess.Popen(calibrate(tmp_path), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        main, detached = wait_for(tmp_path / "main.pid"), wait_for(tmp_path / "detached.pid")
        assert alive(main) and alive(detached)
        assert os.getsid(detached) != os.getsid(main)  # it really left the command's session
    finally:
        sweep.send_signal(signal.SIGKILL)
        sweep.wait(timeout=30)
    assert gone_within([main, detached], 10.0), "a SIGKILLed calibration left the command running"
    # the device is free, and the next calibration runs with nothing of the last one beside it
    (tmp_path / "MAIN_S").write_text("0.2")
    for name in ("main.pid", "detached.pid"):
        (tmp_path / name).unlink()
    after = run_cli("calibrate", "command", "--name", "next", "--num-envs", "4", "--first-timesteps", "100",
                    "--timeout", "20", "--no-wait", "--", *command(tmp_path), env={"ADVISOR_DEVICE_KEY": "cpu-orphans"},
                    timeout=300)
    assert "is busy" not in after.stderr, after.stderr
    assert not alive(int((tmp_path / "detached.pid").read_text()))  # its own detached child went with its runs


def test_the_timeout_ends_the_command_and_its_detached_children(tmp_path):
    proc = run_cli("calibrate", "command", "--name", "timeout", "--num-envs", "4", "--first-timesteps", "100",
                   "--timeout", "3", "--", *command(tmp_path), timeout=300)
    main, detached = int((tmp_path / "main.pid").read_text()), int((tmp_path / "detached.pid").read_text())
    assert proc.returncode == 1 and "timeout" in proc.stdout + proc.stderr
    assert gone_within([main, detached], 5.0)


def test_a_normal_end_leaves_no_detached_child_behind(tmp_path):
    (tmp_path / "MAIN_S").write_text("0.3")
    spec = {"argv": [sys.executable, str(tmp_path / "detaching.py")], "memory_dir": str(tmp_path / "memory"),
            "output_path": str(tmp_path / "run.out")}
    (tmp_path / "detaching.py").write_text(DETACHING)
    result = measure(spec)
    detached = int((tmp_path / "detached.pid").read_text())
    assert gone_within([detached], 3.0)
    assert 0.3 <= result["wall_s"] < 5.0  # the command's own time, the guard's clean-up not in it
    assert descendants(os.getpid()) is not None and detached not in descendants(os.getpid())


def test_exit_codes_signals_and_a_missing_program_come_through_the_guard(tmp_path):
    base = {"memory_dir": str(tmp_path / "memory"), "output_path": str(tmp_path / "run.out")}
    for code, expected in (("import sys; print('RuntimeError: bad env'); sys.exit(3)", "exit code 3: RuntimeError"),
                           ("import os; os.kill(os.getpid(), 9)", "killed by signal 9"),
                           ("import os; os.kill(os.getpid(), 15)", "killed by signal 15")):
        try:
            measure({**base, "argv": [sys.executable, "-c", code]})
            raise AssertionError("the command's failure was not reported")
        except Exception as exc:  # CommandFailed
            assert expected in str(exc), str(exc)
    try:
        measure({**base, "argv": ["advisor-no-such-program-here"]})
        raise AssertionError("a missing program was not reported")
    except Exception as exc:
        assert "exit code 127" in str(exc) and "cannot run" in str(exc)


def test_a_flood_of_output_is_kept_as_a_bounded_head_and_tail(tmp_path):
    """40 MB of output: the run's .out file and what the measuring process holds stay near
    HEAD_BYTES + TAIL_BYTES, and --sps-regex still finds the last figure printed."""
    code = ("import sys\nw = sys.stdout.buffer.write\nline = b'x' * 1023 + b'\\n'\nw(b'first line\\n')\n"
            "for i in range(40 * 1024):\n    w(line)\nw(b'env steps/s: 1234.5\\nlast line\\n')\n")
    result = measure({"argv": [sys.executable, "-c", code], "memory_dir": str(tmp_path / "memory"),
                      "output_path": str(tmp_path / "run.out"), "sps_regex": r"env steps/s: ([0-9.]+)"})
    out = (tmp_path / "run.out").read_bytes()
    assert result["output_bytes"] > 40 * 2**20 and result["printed_sps"] == 1234.5
    assert len(out) < HEAD_BYTES + TAIL_BYTES + 200
    assert out.startswith(b"first line\n") and out.endswith(b"last line\n") and b"bytes of output left out" in out


def test_bounded_output_keeps_the_first_and_last_bytes_and_matches_lines_across_chunks(tmp_path):
    kept = BoundedOutput(tmp_path / "out", r"sps=([0-9]+)", head=10, tail=10)
    for chunk in (b"0123456789abc", b"def sps=1", b"2\nmiddle" * 50, b"\nsps=7\nend"):
        kept.feed(chunk)
    kept.close()
    assert kept.sps == 7.0 and kept.total == 13 + 9 + 50 * 8 + 10
    text = (tmp_path / "out").read_bytes()
    assert text.startswith(b"0123456789") and text.endswith(b"\nsps=7\nend"[-10:])
