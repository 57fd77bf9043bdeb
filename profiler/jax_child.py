"""What every JAX measuring child of the vectorised kinds shares (the MJX and Brax points), on both
sides of the process boundary.

In the child, before jax is imported: the environment for a truthful measurement (preallocation
off, the forced platform, the persistent compilation cache) and MJX's Warp backend left unimported;
after: the first device's facts and the ``--platform gpu`` check. In the sweep: the compilation
cache folder it hands its children, and how a child that did not finish well is classified.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from profiler.child import looks_like_oom
from profiler.runner import ChildResult
from profiler.store import advisor_home


def configure_jax_environment(cache_dir: str | None, platform: str | None) -> None:
    """Environment for a truthful measurement; must run before jax is imported."""
    os.environ["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"
    os.environ.pop("XLA_PYTHON_CLIENT_MEM_FRACTION", None)
    if platform == "cpu":
        os.environ["JAX_PLATFORMS"] = "cpu"
    # "gpu": JAX's own choice, checked by the caller; JAX_PLATFORMS=gpu means CUDA *and* ROCm, and a
    # JAX without the ROCm plugin (jax 0.11) then refuses to start at all
    if cache_dir:
        os.environ["JAX_COMPILATION_CACHE_DIR"] = cache_dir
        os.environ["JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS"] = "0"
        os.environ["JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES"] = "0"


def device_facts() -> dict[str, Any]:
    """Platform, name and capacity of JAX's first device (NVML capacity for GPUs)."""
    import jax

    from profiler.hardware import cpu_model, nvml_gpus

    device = jax.devices()[0]
    platform = device.platform
    if platform in ("gpu", "cuda", "rocm"):
        gpus = nvml_gpus()
        memory = gpus[0].memory_bytes if gpus else (device.memory_stats() or {}).get("bytes_limit")
        return {"platform": "gpu", "name": device.device_kind, "memory_bytes": memory}
    if platform == "tpu":
        return {"platform": "tpu", "name": device.device_kind,
                "memory_bytes": (device.memory_stats() or {}).get("bytes_limit")}
    import psutil

    return {"platform": "cpu", "name": cpu_model(), "memory_bytes": int(psutil.virtual_memory().total)}


def skip_warp() -> None:
    """A child that runs MJX's JAX implementation (``impl="jax"``: the MJX kind's built-in workload,
    a Brax point on Playground's JAX implementation) needs no Warp, but ``import
    mujoco.mjx`` also imports NVIDIA Warp and MJX's Warp backend when Warp is installed (MuJoCo
    Playground installs it): 4-5 s of every child's start on a CPU, before anything is measured. A
    ``None`` in ``sys.modules`` makes that import fail at once, and MJX takes the path it takes on
    a machine without Warp."""
    sys.modules.setdefault("warp", None)


#: How a child's error begins when ``--platform gpu`` found no GPU (the sweep shows it as it is).
NO_GPU = "--platform gpu, but JAX sees no GPU here "


def check_platform(requested: str | None) -> None:
    """``--platform gpu`` where JAX's first device is not a GPU: say so rather than measure the CPU."""
    if requested == "gpu":
        import jax

        if jax.devices()[0].platform not in ("gpu", "cuda", "rocm"):
            raise RuntimeError(f"{NO_GPU}(its backend is "
                               f"{jax.default_backend()}); install a CUDA build of jax, e.g. pip install "
                               "'jax[cuda12]', or use --platform cpu")


def jax_cache_dir() -> Path:
    """JAX's persistent compilation cache: ``$ADVISOR_JAX_CACHE``, else ``$ADVISOR_HOME/jax-cache``."""
    return Path(os.environ.get("ADVISOR_JAX_CACHE") or advisor_home() / "jax-cache")


def failure(child: ChildResult) -> tuple[str | None, str | None]:
    """``(status, reason)`` for a child that did not finish well, else ``(None, None)``."""
    result = child.result or {}
    if child.timed_out:
        return "timeout", "ended at its timeout"
    if result.get("status") == "ok" and child.returncode == 0:
        return None, None
    if result.get("status") in ("oom", "error"):
        return result["status"], result.get("error")
    tail = child.log_tail.strip()
    last = tail.splitlines()[-1] if tail else "no output"
    if looks_like_oom(tail):
        return "oom", last[:500]
    if child.returncode is not None and child.returncode < 0:
        return "error", f"killed by signal {-child.returncode} (the kernel's OOM killer sends 9): {last[:300]}"
    return "error", f"exit code {child.returncode}: {last[:500]}"
