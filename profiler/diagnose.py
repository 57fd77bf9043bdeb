"""Facts ``advisor doctor`` reports: what calibration would see and measure on this machine.

Each check is a :class:`Check` with a status (``ok``, ``warn`` or ``fail``) and a sentence that
says what it means for measurement. JAX is probed in a child process, exactly as calibration
does, so the doctor sees what a sweep would see.
"""

from __future__ import annotations

import os
import shutil
import statistics
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from profiler.extras import install_command
from profiler.hardware import nvml_gpus
from profiler.kinds import facts_by_kind
from profiler.known_good import EXTRA, KNOWN_GOOD
from profiler.store import advisor_home

PREALLOCATION_VARIABLES = {
    "XLA_PYTHON_CLIENT_PREALLOCATE": "false turns JAX's start-up pool off",
    "XLA_PYTHON_CLIENT_MEM_FRACTION": "size of JAX's start-up pool as a fraction of GPU memory (default 0.75)",
    "XLA_PYTHON_CLIENT_ALLOCATOR": "platform allocates on demand and frees at once (slow, exact)",
}
#: Rough per-point cost (s) of the humanoid default before anything was measured here.
PRIOR_POINT_S = {"cpu": 75.0, "gpu": 50.0, "tpu": 50.0}
MIN_CACHE_FREE_BYTES = 2 * 2**30


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | warn | fail
    detail: str


def check_preallocation(environ: dict[str, str] | None = None) -> Check:
    env = os.environ if environ is None else environ
    present = {k: env[k] for k in PREALLOCATION_VARIABLES if k in env}
    if not present:
        return Check("JAX memory variables", "ok",
                     "none set: your training runs preallocate 75% of GPU memory at start-up, so nvidia-smi shows "
                     "that pool, not the footprint; calibration turns preallocation off in its own processes")
    text = ", ".join(f"{k}={v} ({PREALLOCATION_VARIABLES[k]})" for k, v in present.items())
    problems = [problem for k, v in present.items() if (problem := _bad_memory_variable(k, v))]
    if problems:
        return Check("JAX memory variables", "fail", "; ".join(problems) + f" ({text})")
    return Check("JAX memory variables", "ok",
                 f"{text}; calibration overrides them in its measuring processes, so measurements stay true")


def _bad_memory_variable(name: str, value: str) -> str | None:
    """Why JAX would reject or misread ``name=value``, or ``None`` when it is fine."""
    value = value.strip()
    if name == "XLA_PYTHON_CLIENT_MEM_FRACTION":
        try:
            fraction = float(value)
        except ValueError:
            return f"{name}={value!r} is not a number: JAX fails to start; set a fraction such as 0.9, or unset it"
        if not 0 < fraction <= 1:
            return f"{name}={value} is outside (0, 1]: set a fraction such as 0.9, or unset it"
    elif name == "XLA_PYTHON_CLIENT_PREALLOCATE" and value.lower() not in ("true", "false", "1", "0"):
        return f"{name}={value!r} is neither true nor false: set false (no start-up pool) or unset it"
    elif name == "XLA_PYTHON_CLIENT_ALLOCATOR" and value.lower() not in ("platform", "bfc", "cuda_async", "default"):
        return f"{name}={value!r} is not an allocator JAX knows (platform, bfc, cuda_async): unset it"
    return None


def check_nvml() -> Check:
    gpus = nvml_gpus()
    if not gpus:
        return Check("NVIDIA GPUs (NVML)", "ok", "none found: MJX calibration measures on the CPU backend")
    text = "; ".join(f"{g.index}: {g.name}, {g.memory_bytes / 2**30:.1f} GiB" for g in gpus)
    return Check("NVIDIA GPUs (NVML)", "ok", f"driver {gpus[0].driver}; {text}")


def usable_cpus() -> int:
    """CPUs this process may use: affinity, then a cgroup v2 quota if one is set."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:
        count = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if quota != "max":
            count = min(count, max(1, int(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return count


def check_kinds() -> list[Check]:
    """The checks each kind declares (:attr:`profiler.kinds.facts.KindFacts.doctor_checks`), kind by kind."""
    from profiler.kinds.facts import resolve

    return [resolve(reference)() for facts in facts_by_kind().values() for reference in facts.doctor_checks]


def check_versions() -> list[Check]:
    checks = []
    for name, good in KNOWN_GOOD.items():
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            extra = f"; {install_command(EXTRA[name])} installs it" if name in EXTRA else ""
            checks.append(Check(f"{name}", "warn", f"not installed (known good: {good}{extra})"))
            continue
        base = have.split("+")[0]
        if base == good:
            checks.append(Check(f"{name}", "ok", f"{have} (known good)"))
        else:
            checks.append(Check(f"{name}", "warn", f"{have}; advisor is tested with {good}"))
    return checks


def check_home(path: Path | None = None) -> Check:
    """ADVISOR_HOME (profiles, the compilation cache, run logs) can be created and written."""
    import tempfile

    target = path or advisor_home()
    try:
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target, prefix=".doctor-"):
            pass
    except OSError as exc:
        return Check("advisor's data folder", "fail", f"{target} cannot be written ({exc.strerror or exc}); set "
                                                      "ADVISOR_HOME to a folder you can write")
    return Check("advisor's data folder", "ok", f"{target} (profiles, compilation cache, run logs); ADVISOR_HOME moves it")


def check_disk(path: Path | None = None) -> Check:
    target = path or advisor_home()
    probe = target
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    status = "ok" if free >= MIN_CACHE_FREE_BYTES else "warn"
    return Check("disk for the compilation cache", status,
                 f"{free / 2**30:.1f} GiB free at {probe} (the cache takes tens of MB per num_envs; "
                 f"below {MIN_CACHE_FREE_BYTES / 2**30:.0f} GiB is tight)")


def estimate_sweep_s(platform: str, points: int, measured_point_s: list[float]) -> tuple[float, str]:
    """Seconds a sweep of ``points`` would take: from this machine's earlier sweeps if any,
    else a prior for the humanoid default."""
    if measured_point_s:
        return statistics.median(measured_point_s) * points, "from this machine's earlier calibration"
    return PRIOR_POINT_S.get(platform, 75.0) * points, "a prior for the humanoid default (nothing measured here yet)"
