"""Run the user's command once and report its wall time, its output's figures and its peak memory.

Run by the sweep as ``python -m profiler.kinds.command.point SPEC.json RESULT.json`` (see
:func:`profiler.child.main`); the sweep's runner starts this process in its own session with
the run's timeout, and the command runs inside that session, so a timeout or Ctrl-C ends the
command with everything it started. The spec holds the substituted argument list (no shell),
the environment to add, the folder the start-up hook writes its peaks to, an optional memory
cap (``RLIMIT_DATA`` of the command, as the MJX sweep caps its own process), an optional
``--sps-regex`` and ``--steps-regex``, and the preset whose output it reads (the env steps the run
says it ran, the program's own steady-state figure; :mod:`profiler.trainers`).

Memory: the command's process tree's resident set is sampled every 50 ms with psutil and
compared with the kernel's high-water mark of the largest process it waited for; the hook's
device peaks (JAX allocator, torch CUDA) come from the files it left, and where NVML sees a GPU,
the tree's GPU memory is polled with the same 50 ms samples (:mod:`profiler.kinds.command.nvml_memory`),
the fallback when the hook reports no device peak. A command that exits with
an error is an error, or out of memory when its output says so (:func:`profiler.child.looks_like_oom`).
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from profiler import child

HOOK_DIR = Path(__file__).resolve().parent / "hook"
SAMPLE_S = 0.05


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


def tree_rss_bytes(pid: int) -> int:
    """Resident bytes of process ``pid`` and all its descendants (0 once it is gone)."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root] + root.children(recursive=True)
    except psutil.Error:
        return 0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            continue
    return total


def _limit(memory_limit_bytes: int | None):
    if not memory_limit_bytes:
        return None

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_DATA, (memory_limit_bytes, memory_limit_bytes))

    return apply


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
    else the preset's reading of its output) and ``program_sps`` (the preset's steady-state figure)."""
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


def measure(spec: dict[str, Any], nvml: Any = None) -> dict[str, Any]:
    """Run the command once (module docstring); ``nvml`` is the NVML module to poll the tree's GPU
    memory with (default ``pynvml``, where a GPU is visible)."""
    from profiler.kinds.command.nvml_memory import open_poller, tree_pids

    memory_dir = Path(spec["memory_dir"])
    memory_dir.mkdir(parents=True, exist_ok=True)
    for old in memory_dir.glob("*.json"):
        old.unlink()
    output = Path(spec["output_path"])
    peak_tree = 0
    poller = open_poller(nvml)
    try:
        with open(output, "wb") as log:
            started, started_unix = time.perf_counter(), time.time()
            proc = subprocess.Popen(spec["argv"], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    env=command_env(spec), cwd=spec.get("cwd") or None,
                                    preexec_fn=_limit(spec.get("memory_limit_bytes")))
            while proc.poll() is None:
                peak_tree = max(peak_tree, tree_rss_bytes(proc.pid))
                if poller is not None:
                    poller.poll(tree_pids(proc.pid))
                time.sleep(SAMPLE_S)
            wall_s = time.perf_counter() - started
    finally:
        if poller is not None:
            poller.close()
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    text = output.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        how = (f"killed by signal {-proc.returncode}" + (" (the kernel's OOM killer sends 9)" if proc.returncode == -9 else "")
               if proc.returncode < 0 else f"exit code {proc.returncode}")
        if proc.returncode < 0 or not child.looks_like_oom(text):
            raise CommandFailed(f"{how}: {telling_line(text)}")
        raise MemoryError(f"{how}: {telling_line(text)}")
    result: dict[str, Any] = {"wall_s": wall_s, "tree_peak_rss_bytes": max(peak_tree, largest),
                              # the whole run is the timed phase: the command is a black box
                              "timed_unix_s": [started_unix, started_unix + wall_s], **hook_peaks(memory_dir),
                              "nvml_process_peak_bytes": poller.peak_bytes if poller is not None else None}
    result.update(output_figures(text, spec))
    return result


def setup(spec: dict[str, Any]) -> None:
    """Nothing to prepare here: the command's own environment is set when it starts."""


if __name__ == "__main__":
    sys.exit(child.main(sys.argv[1:], module="profiler.kinds.command.point", setup=setup, measure=measure,
                        oom_from_text=False))
