"""Run one measuring subprocess with a timeout, and end it (and its children) cleanly.

Each child runs in its own process session, so a timeout, Ctrl-C or SIGTERM ends the whole
group: JAX compiler threads, Ray's services, anything it started. Ray moves its workers into
process groups of their own, so whatever is left in the child's session is ended too.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ChildResult:
    """What a measuring child left behind: its JSON result (``None`` if it wrote none), its exit
    code, whether it was ended at its timeout, its wall time in seconds and its log's tail."""

    result: dict[str, Any] | None
    returncode: int | None
    timed_out: bool
    wall_s: float
    log_tail: str


def end_process_group(proc: subprocess.Popen, grace_s: float = 5.0) -> None:
    """SIGTERM the child's process group, then SIGKILL what is left after ``grace_s``."""
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, grace_s)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=wait_s)
            break
        except subprocess.TimeoutExpired:
            continue
    # the group may outlive its leader (e.g. daemonised helpers); make sure it is gone
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    kill_session(proc.pid)


def kill_session(sid: int) -> None:
    """SIGKILL every process still in session ``sid`` (Linux; a no-op without ``/proc``)."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return
    for entry in entries:
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if os.getsid(int(entry)) == sid:
                os.kill(int(entry), signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            continue


def _tail(path: Path, limit: int = 4000) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - limit))
            return handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def run_child(module: str, spec: dict[str, Any], workdir: Path, stem: str, timeout_s: float,
              env: dict[str, str] | None = None) -> ChildResult:
    """Run ``python -m module SPEC RESULT`` in ``workdir`` and collect its result.

    ``KeyboardInterrupt`` (and SIGTERM turned into it by the caller) ends the child's group
    before propagating.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    spec_path, result_path, log_path = (workdir / f"{stem}{ext}" for ext in (".spec.json", ".result.json", ".log"))
    for stale in (result_path,):
        stale.unlink(missing_ok=True)
    spec_path.write_text(json.dumps(spec))
    child_env = dict(os.environ if env is None else env)
    child_env.setdefault("PYTHONUNBUFFERED", "1")
    started = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", module, str(spec_path), str(result_path)],
            cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=child_env, start_new_session=True,
        )
        timed_out = False
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            end_process_group(proc)
        except BaseException:
            end_process_group(proc)
            raise
    wall_s = time.monotonic() - started
    try:  # anything the child left behind in its group or session goes with it
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    kill_session(proc.pid)
    result = None
    if result_path.exists():
        try:
            result = json.loads(result_path.read_text())
        except (OSError, json.JSONDecodeError):
            result = None
    return ChildResult(result, proc.returncode, timed_out, wall_s, _tail(log_path))
