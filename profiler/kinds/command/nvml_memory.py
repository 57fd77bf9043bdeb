"""GPU memory of a command's process tree as NVML reports it per process: the fallback memory
measure on a GPU when the start-up hook reports no JAX or torch peak (a command on CuPy,
TensorFlow or a CUDA binary of its own, say, or one whose Python the hook cannot reach).

:class:`NvmlPoller` is given the NVML module (``pynvml``, or any object with its functions, so
the polling is testable without a GPU). Each :meth:`NvmlPoller.poll` sums ``usedGpuMemory`` of
every compute process in the given pids over every device
(``nvmlDeviceGetComputeRunningProcesses``) and keeps the largest sum: the tree's peak, as often
as it is polled (every 50 ms by the measuring child). NVML's figure is what the driver holds
for the process (its allocator's pool and the CUDA context included), so it is at least the
allocator's own peak. Where NVML cannot attribute memory to a process (``usedGpuMemory`` is
``None``, as without access to the host's process table) or sees none of the tree, there is no
figure, and the process tree's RSS stays the measure.
"""

from __future__ import annotations

from typing import Any, Iterable


class NvmlPoller:
    """Polls NVML for the GPU memory of a set of pids; :attr:`peak_bytes` is the largest sum seen
    (``None`` until a poll finds memory of one of them)."""

    def __init__(self, nvml: Any, handles: list[Any]):
        self.nvml = nvml
        self.handles = handles
        self.peak_bytes: int | None = None
        self.polls = 0

    def used_bytes(self, pids: Iterable[int]) -> int | None:
        """GPU bytes NVML attributes to ``pids`` now, over every device (``None``: none of them seen)."""
        wanted = set(pids)
        total, seen = 0, False
        for handle in self.handles:
            try:
                processes = self.nvml.nvmlDeviceGetComputeRunningProcesses(handle)
            except Exception:  # NVMLError: a device gone or busy for a moment; the next poll tries again
                continue
            for process in processes:
                used = getattr(process, "usedGpuMemory", None)
                if getattr(process, "pid", None) in wanted and isinstance(used, int) and used > 0:
                    total += used
                    seen = True
        return total if seen else None

    def poll(self, pids: Iterable[int]) -> None:
        self.polls += 1
        used = self.used_bytes(pids)
        if used is not None and used > (self.peak_bytes or 0):
            self.peak_bytes = used

    def close(self) -> None:
        try:
            self.nvml.nvmlShutdown()
        except Exception:
            pass


def open_poller(nvml: Any = None) -> NvmlPoller | None:
    """A poller over every GPU NVML sees, or ``None`` where there is none (no ``pynvml``, no
    driver, no device). ``nvml`` defaults to ``pynvml``."""
    if nvml is None:
        try:
            import pynvml as nvml
        except ImportError:
            return None
    try:
        nvml.nvmlInit()
    except Exception:  # NVMLError_LibraryNotFound, DriverNotLoaded, ...: no NVIDIA GPU here
        return None
    try:
        handles = [nvml.nvmlDeviceGetHandleByIndex(i) for i in range(nvml.nvmlDeviceGetCount())]
    except Exception:
        handles = []
    poller = NvmlPoller(nvml, handles)
    if not handles:
        poller.close()
        return None
    return poller
