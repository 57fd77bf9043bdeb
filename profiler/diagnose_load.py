"""Doctor checks for what else is using this machine now: other processes' CPU, the CPU's own
speed (a fixed reference loop, :mod:`profiler.cpu_reference`), other compute processes on the
GPUs, and calibration locks that are held (and by whom).

A busy machine is a ``warn``, not a failure: calibration still runs, it waits for a held device
and marks points timed beside other work (see :mod:`profiler.contention`).
"""

from __future__ import annotations

import os
import time

from profiler.contention import CONTENDED_CPU_CORES
from profiler.contention_sampler import ContentionSampler
from profiler.cpu_reference import STEADY_SPREAD, slowdown, steadiness
from profiler.devicelock import held_device_locks, is_held, lock_dir, read_holder
from profiler.diagnose import Check
from profiler.store import advisor_home

SAMPLE_S = 1.0
#: Seconds of back-to-back reference passes the CPU speed check times.
SPEED_S = 2.0


def check_other_cpu(sample_s: float = SAMPLE_S) -> Check:
    """Other processes' CPU use over ``sample_s`` seconds now, the busiest named, and the load average."""
    sampler = ContentionSampler()
    first = sampler.snapshot()
    time.sleep(sample_s)
    last = sampler.snapshot()
    span = last.at - first.at
    cores = (last.others_cpu_s - first.others_cpu_s) / span
    busiest = sorted(last.deltas.items(), key=lambda kv: -kv[1][1])[:3]
    named = ", ".join(f"{name} pid {pid} {cpu / span:.2f}" for pid, (name, cpu) in busiest if cpu / span >= 0.01)
    try:
        load = f"; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    except OSError:
        load = ""
    detail = f"other processes use {cores:.2f} cores now{f' ({named})' if named else ''}{load}"
    if cores > CONTENDED_CPU_CORES:
        return Check("other CPU use", "warn", detail + f"; above {CONTENDED_CPU_CORES} cores a calibration point is "
                                                       "marked contended (--strict re-measures it)")
    return Check("other CPU use", "ok", detail)


def check_cpu_speed(seconds: float = SPEED_S) -> Check:
    """The CPU's own speed over ``seconds`` now: a fixed reference loop timed in quarter seconds."""
    return judge_cpu_speed(steadiness(seconds), seconds)


def judge_cpu_speed(chunks_ms: list[float], seconds: float) -> Check:
    """The check for the mean reference pass (ms) of each quarter second of ``seconds``: a warning
    when the slowest was more than :data:`profiler.cpu_reference.STEADY_SPREAD` slower than the fastest."""
    if not chunks_ms:
        return Check("CPU speed", "warn", "the reference loop could not be timed")
    change = slowdown(chunks_ms)
    detail = (f"a fixed reference loop took {min(chunks_ms):.2f}-{max(chunks_ms):.2f} ms per pass (CPU time) over "
              f"{seconds:g} s")
    if change > STEADY_SPREAD:
        return Check("CPU speed", "warn", detail + f": the CPU itself ran up to {change:.0%} slower at times, which "
                     "other processes' use does not explain (a shared, virtual or power-limited host); calibration "
                     "records the loop beside every point and says where the CPU's speed changed under a fit")
    return Check("CPU speed", "ok", detail + f", steady within {STEADY_SPREAD:.0%}; calibration records the loop "
                 "beside every point")


def check_gpu_processes() -> Check | None:
    """Compute processes and utilisation of every NVIDIA GPU now, or ``None`` without NVML."""
    try:
        import pynvml

        pynvml.nvmlInit()
    except Exception:
        return None
    try:
        parts, busy = [], False
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            procs = pynvml.nvmlDeviceGetComputeRunningProcesses(handle)
            util = pynvml.nvmlDeviceGetUtilizationRates(handle).gpu
            names = ", ".join(f"pid {p.pid} ({_name(p.pid)}, {(p.usedGpuMemory or 0) / 2**30:.1f} GiB)"
                              for p in procs[:3])
            parts.append(f"GPU {index}: {util}% busy, {len(procs)} compute process(es){f' ({names})' if names else ''}")
            busy = busy or bool(procs)
    except Exception as exc:
        return Check("other GPU use", "warn", f"NVML could not list compute processes ({exc})")
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:
            pass
    if not parts:
        return None
    detail = "; ".join(parts)
    if busy:
        return Check("other GPU use", "warn", detail + "; points timed beside them are marked contended")
    return Check("other GPU use", "ok", detail)


def _name(pid: int) -> str:
    try:
        import psutil

        return psutil.Process(pid).name()
    except Exception:
        return "not visible here"


def check_locks() -> Check:
    """Calibration locks held now: devices (machine-wide) and this data folder's profiles."""
    held = [f"{h.key} by {h.described}" for h in held_device_locks()]
    runs = advisor_home() / "runs"
    if runs.is_dir():
        for path in sorted(runs.glob("*/sweep.lock")):
            if is_held(path):
                holder = read_holder(path, f"profile {path.parent.name}", settle_s=0.0)
                held.append(f"profile {path.parent.name} by {holder.described}")
    if held:
        return Check("calibration locks", "warn", "held: " + "; ".join(held) + " (a calibration on a held device "
                                                                            "waits for it; --no-wait refuses)")
    return Check("calibration locks", "ok", f"none held (device locks live in {lock_dir()}; ADVISOR_LOCK_DIR moves "
                                            "them)")
