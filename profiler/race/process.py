"""One run of a race: the user's training command in a fresh process session, its output read as
it is printed, timed to the moment it prints the target score.

The run trains only while the race lets it (:meth:`RaceProcess.run_until`): between slices the
whole session is stopped (``SIGSTOP``; ``SIGCONT`` goes on), so runs share the device one at a
time and a paused run's clock does not count. Its time is its own wall seconds while running,
from its process start (start-up and compile included). Lines are read every :data:`POLL_S`
seconds and stamped when read. The run ends (with everything it started) when it reaches the
score, exits, passes its timeout, or the race stops it; it dies with the race even on SIGKILL.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from profiler.child import looks_like_oom
from profiler.race.schema import MAX_CURVE_POINTS, CurvePoint
from profiler.runner import end_process_group, kill_session, signal_session_members
from profiler.trainers.scores import ScoreFormat, SeriesReader

POLL_S = 0.05


def signal_session(sid: int, sig: int) -> None:
    """Send ``sig`` to process group ``sid`` and to every other process of session ``sid``."""
    try:
        os.killpg(sid, sig)
    except (ProcessLookupError, PermissionError):
        pass
    signal_session_members(sid, sig)


def _preexec(memory_limit_bytes: int | None):
    def apply() -> None:
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # die with the race
        except (OSError, AttributeError):
            pass
        if memory_limit_bytes:
            resource.setrlimit(resource.RLIMIT_DATA, (memory_limit_bytes, memory_limit_bytes))

    return apply


@dataclass(frozen=True)
class Outcome:
    """Why :meth:`RaceProcess.run_until` returned: ``reached``, ``slice`` (its time is up; paused),
    ``deadline`` (the race's budget is spent; paused), ``ended`` (exited without reaching the
    score), ``error``, ``oom`` or ``timeout`` (ended); ``message`` says what failed."""

    status: str
    message: str = ""


class RaceProcess:
    """One run (module docstring): ``argv`` in ``cwd`` with ``env``, its output in ``log_path``,
    read with ``fmt`` for a score of at least ``score``; ended after ``timeout_s`` seconds of its
    own time."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str | None, log_path: Path, fmt: ScoreFormat,
                 score: float, timeout_s: float, memory_limit_bytes: int | None = None):
        self.fmt, self.score, self.timeout_s = fmt, score, timeout_s
        self.reader = SeriesReader(fmt)
        self.window: list[float] = []
        self.curve: list[CurvePoint] = []
        self.wall_s = 0.0
        self.reached: tuple[float, int] | None = None
        self.last: tuple[int, float] | None = None
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log_path, "wb")
        self._read = open(log_path, "rb")
        self._partial = b""
        self.finished: Outcome | None = None
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                                     env=env, cwd=cwd or None, start_new_session=True,
                                     preexec_fn=_preexec(memory_limit_bytes))
        self._running_since: float | None = time.monotonic()

    # --- output ---------------------------------------------------------------------------------
    def _consume(self) -> None:
        chunk = self._read.read()
        if not chunk:
            return
        data = self._partial + chunk
        *lines, self._partial = data.split(b"\n")
        for raw in lines:
            self._line(raw.decode("utf-8", errors="replace"))

    def _line(self, line: str) -> None:
        for step, raw in self.reader.feed(line):
            self.window = (self.window + [raw])[-self.fmt.window:]
            value = sum(self.window) / len(self.window)
            now = self._now()
            self.last = (step, value)
            self._add_curve(CurvePoint(round(now, 3), step, value))
            if self.reached is None and value >= self.score:
                self.reached = (now, step)

    def _add_curve(self, point: CurvePoint) -> None:
        self.curve.append(point)
        if len(self.curve) > MAX_CURVE_POINTS:  # keep the first and last, every other one between
            self.curve = self.curve[:1] + self.curve[1:-1:2] + self.curve[-1:]

    def _now(self) -> float:
        return self.wall_s + (time.monotonic() - self._running_since if self._running_since is not None else 0.0)

    # --- control --------------------------------------------------------------------------------
    def run_until(self, wall_s: float, deadline: float | None = None) -> Outcome:
        """Let the run train until its own time reaches ``wall_s`` seconds (or the race's monotonic
        ``deadline``), the score, its end or its timeout (see :class:`Outcome`)."""
        if self.finished is not None:
            return self.finished
        self._resume()
        try:
            while True:
                self._consume()
                if self.reached is not None:
                    return self._finish(Outcome("reached"))
                if self.proc.poll() is not None:
                    self._consume()
                    if self._partial:
                        self._line(self._partial.decode("utf-8", errors="replace"))
                        self._partial = b""
                    if self.reached is not None:
                        return self._finish(Outcome("reached"))
                    return self._finish(self._exit_outcome())
                now = self._now()
                if now >= self.timeout_s:
                    return self._finish(Outcome("timeout", f"ended at its timeout ({self.timeout_s:g} s of its own time)"))
                if now >= wall_s:
                    self._pause()
                    return Outcome("slice")
                if deadline is not None and time.monotonic() >= deadline:
                    self._pause()
                    return Outcome("deadline")
                time.sleep(POLL_S)
        except BaseException:
            self.end()
            raise

    def _exit_outcome(self) -> Outcome:
        code = self.proc.returncode
        if code == 0:
            return Outcome("ended", "the program exited before reaching the score (raise {total_timesteps}?)")
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        telling = next((line for line in reversed(lines) if looks_like_oom(line)), lines[-1] if lines else "no output")
        how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        status = "oom" if code > 0 and looks_like_oom(text) else "error"
        return Outcome(status, f"{how}: {telling[:300]}")

    def _resume(self) -> None:
        if self._running_since is None:
            signal_session(self.proc.pid, signal.SIGCONT)
            self._running_since = time.monotonic()

    def _pause(self) -> None:
        if self._running_since is not None:
            signal_session(self.proc.pid, signal.SIGSTOP)
            self.wall_s += time.monotonic() - self._running_since
            self._running_since = None

    def _finish(self, outcome: Outcome) -> Outcome:
        self.end()
        self.finished = outcome
        return outcome

    def end(self) -> None:
        """End the run and everything it started (a paused session is woken so it can die)."""
        if self._running_since is not None:
            self.wall_s += time.monotonic() - self._running_since
            self._running_since = None
        if self.proc.poll() is None:
            signal_session(self.proc.pid, signal.SIGCONT)
            end_process_group(self.proc, grace_s=2.0)
        else:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            kill_session(self.proc.pid)
        for handle in (self._log, self._read):
            try:
                handle.close()
            except OSError:
                pass
