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
from typing import Any, Callable


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
    signal_session_members(sid, signal.SIGKILL)


def signal_session_members(sid: int, sig: int) -> None:
    """Send ``sig`` to every process in session ``sid`` but this one (Linux; a no-op without ``/proc``)."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return
    for entry in entries:
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if os.getsid(int(entry)) == sid:
                os.kill(int(entry), sig)
        except (ProcessLookupError, PermissionError, OSError):
            continue


def _die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGKILL it when the sweep process dies, so a
    killed sweep leaves no orphaned measurement running (best effort on other systems)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _tail(path: Path, limit: int = 4000) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - limit))
            return handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


class Child:
    """One measuring subprocess, started at once: ``python -m module SPEC RESULT`` in ``workdir``,
    in its own process session, with its output in ``<stem>.log``.

    With ``release_file`` the child prepares and then waits for that file (see
    :func:`profiler.kinds.mjx.point.wait_for_go`); :meth:`release` creates it, and the timeout counts from
    the release."""

    def __init__(self, module: str, spec: dict[str, Any], workdir: Path, stem: str, timeout_s: float,
                 env: dict[str, str] | None = None, release_file: Path | None = None):
        workdir.mkdir(parents=True, exist_ok=True)
        self.spec_path, self.result_path, self.log_path = (
            workdir / f"{stem}{ext}" for ext in (".spec.json", ".result.json", ".log"))
        self.result_path.unlink(missing_ok=True)
        self.spec_path.write_text(json.dumps(spec))
        self.timeout_s = timeout_s
        self.release_file = release_file
        if release_file is not None:
            release_file.unlink(missing_ok=True)
        child_env = dict(os.environ if env is None else env)
        child_env.setdefault("PYTHONUNBUFFERED", "1")
        self.started = time.monotonic()
        self.timed_out = False
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", module, str(self.spec_path), str(self.result_path)],
                cwd=workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                env=child_env, start_new_session=True, preexec_fn=_die_with_parent,
            )

    def release(self) -> None:
        """Let a prepared child go on; its timeout starts now."""
        if self.release_file is not None:
            self.release_file.write_bytes(b"")
        self.started = time.monotonic()

    def poll(self) -> bool:
        """True once the child has ended (ending it first if its timeout has passed)."""
        if self.proc.poll() is not None:
            return True
        if time.monotonic() - self.started > self.timeout_s:
            self.timed_out = True
            end_process_group(self.proc)
            return True
        return False

    def wait(self) -> ChildResult:
        """Block until the child ends or times out; Ctrl-C ends its group before propagating."""
        try:
            remaining = max(self.timeout_s - (time.monotonic() - self.started), 0.0)
            self.proc.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            self.timed_out = True
            end_process_group(self.proc)
        except BaseException:
            self.kill()
            raise
        return self.collect()

    def kill(self) -> None:
        end_process_group(self.proc, grace_s=2.0)

    def collect(self) -> ChildResult:
        wall_s = time.monotonic() - self.started
        try:  # anything the child left behind in its group or session goes with it
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        kill_session(self.proc.pid)
        result = None
        if self.result_path.exists():
            try:
                result = json.loads(self.result_path.read_text())
            except (OSError, json.JSONDecodeError):
                result = None
        return ChildResult(result, self.proc.returncode, self.timed_out, wall_s, _tail(self.log_path))


def run_child(module: str, spec: dict[str, Any], workdir: Path, stem: str, timeout_s: float,
              env: dict[str, str] | None = None) -> ChildResult:
    """Run one child to the end (see :class:`Child`) and collect its result."""
    return Child(module, spec, workdir, stem, timeout_s, env).wait()


def run_parallel(jobs: list[tuple[str, dict[str, Any], str]], workdir: Path, timeout_s: float, parallel: int,
                 on_done: Callable[[str, ChildResult], None] = lambda stem, result: None) -> dict[str, ChildResult]:
    """Run ``(module, spec, stem)`` jobs, at most ``parallel`` at a time; results by stem.

    Ctrl-C ends every running child's group before propagating.
    """
    pending = list(jobs)
    running: list[tuple[str, Child]] = []
    results: dict[str, ChildResult] = {}
    try:
        while pending or running:
            while pending and len(running) < max(parallel, 1):
                module, spec, stem = pending.pop(0)
                running.append((stem, Child(module, spec, workdir, stem, timeout_s)))
            for stem, child in list(running):
                if child.poll():
                    running.remove((stem, child))
                    results[stem] = child.collect()
                    on_done(stem, results[stem])
            time.sleep(0.05)
    except BaseException:
        for _, child in running:
            child.kill()
        raise
    return results
