"""Hardware and software fingerprint of this machine, without importing jax, ray or torch.

GPU facts come from NVML (nvidia-ml-py) when a driver is present; CPU and RAM from psutil and
``/proc/cpuinfo``; package versions from installed distribution metadata.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from importlib import metadata

from profiler.profile import Hardware

#: The packages whose versions a profile records.
TRACKED_PACKAGES = (
    "jax", "jaxlib", "mujoco", "mujoco-mjx", "flax", "optax", "ray", "gymnasium", "torch", "numpy",
)


@dataclass(frozen=True)
class GpuInfo:
    name: str
    memory_bytes: int
    driver: str
    index: int


def nvml_gpus() -> list[GpuInfo]:
    """GPUs the NVIDIA driver reports, or ``[]`` when there is no driver or NVML."""
    try:
        import pynvml
    except ImportError:
        return []
    try:
        pynvml.nvmlInit()
    except Exception:  # NVMLError_LibraryNotFound, DriverNotLoaded, ...: no NVIDIA GPU here
        return []
    try:
        driver = _text(pynvml.nvmlSystemGetDriverVersion())
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            gpus.append(GpuInfo(_text(pynvml.nvmlDeviceGetName(handle)), int(memory.total), driver, index))
        return gpus
    finally:
        try:
            pynvml.nvmlShutdown()
        except Exception:
            pass


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def fingerprint() -> Hardware:
    """This machine's :class:`Hardware`."""
    import psutil

    gpus = nvml_gpus()
    first = gpus[0] if gpus else None
    return Hardware(
        gpu_name=first.name if first else None,
        gpu_memory_bytes=first.memory_bytes if first else None,
        gpu_driver=first.driver if first else None,
        gpu_count=len(gpus),
        cpu_model=cpu_model(),
        cpu_physical_cores=psutil.cpu_count(logical=False),
        cpu_logical_cores=psutil.cpu_count(logical=True),
        ram_bytes=int(psutil.virtual_memory().total),
    )


def software_versions(packages: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str]:
    """Installed versions of ``packages`` (missing ones are left out) plus Python's."""
    versions = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions
