"""Run the user's command once and report its wall time, its output's figures and its peak memory.

Run by the sweep as ``python -m profiler.kinds.command.point SPEC.json RESULT.json`` (see
:func:`profiler.child.main`); the sweep's runner starts this process in its own session with
the run's timeout. The command runs under a guard (:mod:`profiler.kinds.command.guard`) in a
session of its own: whatever the command starts, detached (``setsid``) descendants included, is
ended when the command ends, at the run's timeout or Ctrl-C, and when this measuring process dies
however it dies (a SIGKILL of the sweep included). The spec holds the substituted argument list
(no shell), the environment to add, the folder the start-up hook writes its peaks to, an optional
memory cap (``RLIMIT_DATA`` of the command, as the MJX sweep caps its own process), an optional
``--sps-regex`` and ``--steps-regex``, and the preset whose output it reads (the env steps the run
says it ran, the program's own steady-state figure; :mod:`profiler.trainers`), read from the
output advisor keeps (its head and tail).

Output: the command's stdout and stderr are read as they come and kept bounded: the first
:data:`HEAD_BYTES` and the last :data:`TAIL_BYTES` go to the run's ``.out`` file (with how much
was left out between them), and only those are held in memory; ``--sps-regex`` is matched line
by line as the output passes (lines longer than :data:`LINE_BYTES` are cut), its last match
counting.

Memory: the resident set of the command's process tree (the guard itself left out) is sampled
every 50 ms (the tree's members found again every 0.5 s, :class:`ProcessTree`) and compared with
the kernel's high-water mark of the largest process waited for; the hook's device peaks (JAX
allocator, torch CUDA) come from the files it left, and where NVML sees a GPU, the tree's GPU
memory is polled with the same 50 ms samples
(:mod:`profiler.kinds.command.nvml_memory`), the fallback when the hook reports no device peak.
A command that exits with an error is an error, or out of memory when its output says so
(:func:`profiler.child.looks_like_oom`).
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from profiler import child

HOOK_DIR = Path(__file__).resolve().parent / "hook"
GUARD = Path(__file__).resolve().parent / "guard.py"
SAMPLE_S = 0.05
#: How often the command's process tree is looked up again (s). Finding a tree's members scans every
#: process on the machine (about 0.5 ms with 70 processes, more on a busy desktop), so the members are
#: found this often and only their resident memory is read every :data:`SAMPLE_S`: measured on a
#: 2-vCPU VM, a scan every sample took 3% of a core from the program being timed.
REFRESH_S = 0.5
#: Output kept of one run: its first and last bytes (written to its .out file, held in memory).
HEAD_BYTES = 256 * 1024
TAIL_BYTES = 1024 * 1024
#: The longest line ``--sps-regex`` is matched against (a longer one is cut to this).
LINE_BYTES = 64 * 1024


class BoundedOutput:
    """A command's output as it streams: the first ``head`` bytes written to ``path`` at once,
    the last ``tail`` bytes held and written after a note of how much was left out, and the last
    match of ``pattern`` over its lines (module docstring)."""

    def __init__(self, path: Path, pattern: str | None, head: int = HEAD_BYTES, tail: int = TAIL_BYTES):
        self.file = open(path, "wb")  # noqa: SIM115 - closed by close()
        self.head_left, self.tail_limit = head, tail
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0
        self.pattern = re.compile(pattern, re.MULTILINE) if pattern else None
        self.line = bytearray()
        self.sps: float | None = None

    def feed(self, chunk: bytes) -> None:
        """Take the next bytes of output."""
        self.total += len(chunk)
        self.match_lines(chunk)
        if self.head_left > 0:
            part = chunk[:self.head_left]
            self.file.write(part)
            self.head += part
            self.head_left -= len(part)
            chunk = chunk[len(part):]
        if chunk:
            self.tail += chunk
            if len(self.tail) > self.tail_limit:
                del self.tail[:len(self.tail) - self.tail_limit]

    def match_lines(self, chunk: bytes) -> None:
        """Match ``--sps-regex`` against each line ``chunk`` completes."""
        if self.pattern is None:
            return
        start = 0
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                room = LINE_BYTES - len(self.line)
                if room > 0:
                    self.line += chunk[start:start + room]
                return
            room = LINE_BYTES - len(self.line)
            if room > 0:
                self.line += chunk[start:min(end, start + room)]
            self._match(bytes(self.line))
            self.line.clear()
            start = end + 1

    def _match(self, line: bytes) -> None:
        found = printed_sps(line.decode("utf-8", errors="replace"), self.pattern.pattern)
        if found is not None:
            self.sps = found

    def close(self) -> None:
        if self.line:
            self._match(bytes(self.line))
            self.line.clear()
        left_out = self.total - len(self.head) - len(self.tail)
        if left_out > 0:
            self.file.write(f"\n[advisor: {left_out:,} bytes of output left out here; the first {len(self.head):,} "
                            f"and the last {len(self.tail):,} are kept]\n".encode())
        self.file.write(self.tail)
        self.file.close()

    @property
    def text(self) -> str:
        """What was kept of the output (head, then tail), as text."""
        gap = "\n" if self.total > len(self.head) + len(self.tail) else ""
        return (bytes(self.head) + gap.encode() + bytes(self.tail)).decode("utf-8", errors="replace")


class CommandFailed(Exception):
    """The command exited with an error; the message carries its exit code and the telling line."""


def command_env(spec: dict[str, Any]) -> dict[str, str]:
    """The command's environment: this one, preallocation off, the hook first on PYTHONPATH."""
    env = dict(os.environ)
    env.update({k: str(v) for k, v in (spec.get("env") or {}).items()})
    env["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"
    env.pop("XLA_PYTHON_CLIENT_MEM_FRACTION", None)
    env["ADVISOR_MEMORY_DIR"] = spec["memory_dir"]
    env["PYTHONPATH"] = os.pathsep.join([str(HOOK_DIR)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


class ProcessTree:
    """The process ``pid`` and its descendants, as the run samples them: the members are found
    again (a scan of every process) at most every ``refresh_s``, and each sample reads the resident
    memory of the members known, so that watching a run costs the run little CPU (:data:`REFRESH_S`).
    A process started since the last scan is seen at the next one; one that has ended counts 0."""

    def __init__(self, pid: int, include_root: bool = True, refresh_s: float = REFRESH_S,
                 clock: Any = time.monotonic):
        self.pid, self.include_root, self.refresh_s, self.clock = pid, include_root, refresh_s, clock
        self.members: list[Any] = []
        self.found_at: float | None = None

    def _scan(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
            self.members = ([root] if self.include_root else []) + root.children(recursive=True)
        except psutil.Error:
            self.members = []
        self.found_at = self.clock()

    def processes(self) -> list[Any]:
        """The members (``psutil.Process``), found again where the last scan is ``refresh_s`` old."""
        if self.found_at is None or self.clock() - self.found_at >= self.refresh_s:
            self._scan()
        return self.members

    def pids(self) -> list[int]:
        """The members' pids, the root's first where it is included."""
        return [proc.pid for proc in self.processes()]

    def rss_bytes(self) -> int:
        """The members' resident bytes now (a member that has ended counts 0)."""
        import psutil

        total = 0
        for proc in self.processes():
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        return total


def hook_peaks(memory_dir: Path) -> dict[str, Any]:
    """The largest JAX and torch peaks any of the command's processes reported, and which of jax
    and torch any of them imported (``frameworks``)."""
    peaks: dict[str, Any] = {"jax_peak_bytes": None, "torch_cuda_peak_bytes": None}
    frameworks: set[str] = set()
    for path in sorted(memory_dir.glob("*.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        for key in list(peaks):
            value = data.get(key)
            if isinstance(value, int) and value > 0:
                peaks[key] = max(peaks[key] or 0, value)
        frameworks.update(f for f in data.get("frameworks") or () if f in ("jax", "torch"))
    peaks["frameworks"] = sorted(frameworks)
    return peaks


def output_figures(text: str, spec: dict[str, Any]) -> dict[str, Any]:
    """What the run's output says: ``printed_sps`` (``--sps-regex``), ``steps_run`` (``--steps-regex``,
    else the preset's reading of its output), ``program_sps`` (the preset's steady-state figure) and
    ``iteration_seen`` (the env steps per iteration its reports show, where they do)."""
    found: dict[str, Any] = {}
    if spec.get("sps_regex"):
        found["printed_sps"] = printed_sps(text, spec["sps_regex"])
    values = spec.get("values") or {}
    trainer = None
    if spec.get("preset"):
        from profiler.trainers import trainer as find

        trainer = find(spec["preset"])
    if spec.get("steps_regex"):
        steps = printed_sps(text, spec["steps_regex"])
        found["steps_run"] = int(steps) if steps is not None and steps > 0 else None
    elif trainer is not None:
        found["steps_run"] = trainer.steps_run(text, values)
    if trainer is not None:
        found["program_sps"] = trainer.steady_sps(text, values)
        found["iteration_seen"] = trainer.iteration_seen(text)
    return found


def printed_sps(text: str, pattern: str) -> float | None:
    """The last figure ``pattern`` matches in ``text`` (its first group, else the whole match),
    commas and underscores allowed as thousands separators."""
    found = None
    for match in re.finditer(pattern, text, flags=re.MULTILINE):
        raw = match.group(1) if match.groups() else match.group(0)
        try:
            found = float(raw.replace(",", "").replace("_", "").strip())
        except (TypeError, ValueError):
            continue
    return found


def telling_line(text: str) -> str:
    """The line that says why the command failed: one that looks like out of memory, else the last."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in reversed(lines):
        if child.looks_like_oom(line):
            return line[:500]
    return lines[-1][:500] if lines else "no output"


def _drain(fd: int, output: BoundedOutput) -> None:
    """Read the command's output pipe to its end into ``output`` (a thread of its own, so the
    command never waits on a full pipe while memory is sampled)."""
    try:
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            output.feed(chunk)
    except (OSError, ValueError):  # the file was closed under a reader that outlived the run
        return
    finally:
        os.close(fd)


def _guarded_times(path: Path) -> tuple[float, float] | None:
    """The command's own start and end (``time.monotonic``) as the guard saw them."""
    try:
        start, end = (float(v) for v in path.read_text().split())
        return start, end
    except (OSError, ValueError):
        return None


def measure(spec: dict[str, Any], nvml: Any = None) -> dict[str, Any]:
    """Run the command once (module docstring); ``nvml`` is the NVML module to poll the tree's GPU
    memory with (default ``pynvml``, where a GPU is visible)."""
    from profiler.kinds.command.nvml_memory import open_poller

    memory_dir = Path(spec["memory_dir"])
    memory_dir.mkdir(parents=True, exist_ok=True)
    for old in memory_dir.glob("*.json"):
        old.unlink()
    output = BoundedOutput(Path(spec["output_path"]), spec.get("sps_regex"))
    times = Path(spec["output_path"] + ".times")
    times.unlink(missing_ok=True)
    peak_tree = 0
    poller = open_poller(nvml)
    read_fd, write_fd = os.pipe()
    try:
        started, started_unix, started_mono = time.perf_counter(), time.time(), time.monotonic()
        guard = [sys.executable, "-I", "-S", str(GUARD), str(spec.get("memory_limit_bytes") or 0), str(times), "--",
                 *spec["argv"]]
        proc = subprocess.Popen(guard, stdin=subprocess.DEVNULL, stdout=write_fd, stderr=write_fd,
                                env=command_env(spec), cwd=spec.get("cwd") or None)
        os.close(write_fd)
        write_fd = -1
        reader = threading.Thread(target=_drain, args=(read_fd, output), daemon=True)
        reader.start()
        tree = ProcessTree(proc.pid, include_root=False)  # the guard itself left out
        while proc.poll() is None:
            peak_tree = max(peak_tree, tree.rss_bytes())
            if poller is not None:
                poller.poll(tree.pids())
            time.sleep(SAMPLE_S)
        wall_s = time.perf_counter() - started
        reader.join(timeout=5.0)  # the guard ended everything that held the pipe: its end follows at once
    finally:
        if write_fd >= 0:
            os.close(write_fd)
        if poller is not None:
            poller.close()
        output.close()
    own = _guarded_times(times)
    if own is not None and own[0] >= started_mono and own[1] >= own[0]:
        started_unix += own[0] - started_mono
        wall_s = own[1] - own[0]  # the command's own run, without the guard's start or clean-up
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    text = output.text
    if proc.returncode != 0:
        how = (f"killed by signal {-proc.returncode}" + (" (the kernel's OOM killer sends 9)" if proc.returncode == -9 else "")
               if proc.returncode < 0 else f"exit code {proc.returncode}")
        if proc.returncode < 0 or not child.looks_like_oom(text):
            raise CommandFailed(f"{how}: {telling_line(text)}")
        raise MemoryError(f"{how}: {telling_line(text)}")
    result: dict[str, Any] = {"wall_s": wall_s, "tree_peak_rss_bytes": max(peak_tree, largest),
                              # the whole run is the timed phase: the command is a black box
                              "timed_unix_s": [started_unix, started_unix + wall_s], **hook_peaks(memory_dir),
                              "nvml_process_peak_bytes": poller.peak_bytes if poller is not None else None,
                              "output_bytes": output.total}
    result.update(output_figures(text, spec))
    if spec.get("sps_regex"):  # matched line by line as it streamed, so a long output's middle counts too
        result["printed_sps"] = output.sps
    return result


def setup(spec: dict[str, Any]) -> None:
    """Nothing to prepare here: the command's own environment is set when it starts."""


if __name__ == "__main__":
    sys.exit(child.main(sys.argv[1:], module="profiler.kinds.command.point", setup=setup, measure=measure,
                        oom_from_text=False))
