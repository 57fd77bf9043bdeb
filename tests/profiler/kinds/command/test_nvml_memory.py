"""NVML per-process GPU memory, the command kind's fallback on a GPU: polled for the command's
process tree, summed over its processes and devices, the largest sum kept. Without a GPU here the
NVML module is a fake object with NVML's functions, reporting memory for the real processes of a
real command; the gpu-marked test polls the real driver."""

import sys
from types import SimpleNamespace

import pytest

from profiler.kinds.command.nvml_memory import NvmlPoller, open_poller
from profiler.kinds.command.point import ProcessTree, measure
from profiler.kinds.command.sweep import memory_of

MiB = 2**20


class NVMLError(Exception):
    pass


class FakeNvml:
    """NVML's functions over ``devices``: a list (one per GPU) of functions returning the compute
    processes as ``(pid, usedGpuMemory)`` pairs at each call."""

    NVMLError = NVMLError

    def __init__(self, devices, init_error=False):
        self.devices, self.init_error, self.shut_down = devices, init_error, False

    def nvmlInit(self):
        if self.init_error:
            raise NVMLError("NVML Shared Library Not Found")

    def nvmlShutdown(self):
        self.shut_down = True

    def nvmlDeviceGetCount(self):
        return len(self.devices)

    def nvmlDeviceGetHandleByIndex(self, index):
        return index

    def nvmlDeviceGetComputeRunningProcesses(self, handle):
        return [SimpleNamespace(pid=pid, usedGpuMemory=used) for pid, used in self.devices[handle]()]


def test_the_tree_sums_over_its_processes_and_devices_and_the_peak_is_the_largest_poll():
    samples = iter([[(10, 100 * MiB), (11, 50 * MiB), (99, 4000 * MiB)],  # 99: another user's process
                    [(10, 300 * MiB), (11, None)],  # NVML could not attribute 11's memory this time
                    [(10, 120 * MiB)]])
    second_gpu = iter([[(12, 20 * MiB)], [(12, 25 * MiB)], []])
    nvml = FakeNvml([lambda: next(samples), lambda: next(second_gpu)])
    poller = open_poller(nvml)
    assert poller.peak_bytes is None
    poller.poll([10, 11, 12])
    assert poller.peak_bytes == 170 * MiB
    poller.poll([10, 11, 12])
    assert poller.peak_bytes == 325 * MiB
    poller.poll([10, 11, 12])  # memory freed: the peak stays
    assert poller.peak_bytes == 325 * MiB and poller.polls == 3
    poller.close()
    assert nvml.shut_down


def test_no_gpu_no_poller_and_a_failing_poll_is_skipped():
    assert open_poller(FakeNvml([], init_error=True)) is None
    no_devices = FakeNvml([])
    assert open_poller(no_devices) is None and no_devices.shut_down

    def busy():
        raise NVMLError("GPU is lost")

    poller = NvmlPoller(FakeNvml([busy, lambda: [(7, 64 * MiB)]]), [0, 1])
    poller.poll([7])
    assert poller.peak_bytes == 64 * MiB
    poller.poll([8])  # none of the tree on the GPU
    assert poller.peak_bytes == 64 * MiB and poller.used_bytes([8]) is None


def test_a_real_commands_process_tree_is_polled_and_nvml_is_the_fallback_when_the_hook_saw_no_device(tmp_path):
    """The command starts a child; the fake driver reports memory for both real pids (found
    through the tree, not told) and for a process outside it."""
    import os

    code = "import subprocess, sys, time; p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(1.5)']); " \
           "time.sleep(1.5); p.wait()"
    me = os.getpid()

    def processes():
        pids = ProcessTree(me, include_root=False).pids()
        return [(pid, 256 * MiB) for pid in pids] + [(me, 8000 * MiB)]  # pytest itself: not the command's

    spec = {"argv": [sys.executable, "-c", code], "memory_dir": str(tmp_path / "memory"),
            "output_path": str(tmp_path / "out.log")}
    result = measure(spec, nvml=FakeNvml([processes]))
    assert result["jax_peak_bytes"] is None and result["torch_cuda_peak_bytes"] is None
    assert result["nvml_process_peak_bytes"] == 512 * MiB  # the command and its child
    assert memory_of([result]) == {"peak_bytes": 512 * MiB, "memory_source": "nvml-process"}
    # the hook's device peak, where it has one, comes first; without NVML's, the tree's RSS
    assert memory_of([{**result, "jax_peak_bytes": 300 * MiB}])["memory_source"] == "jax_allocator_peak"
    no_gpu = measure(spec, nvml=FakeNvml([], init_error=True))
    assert no_gpu["nvml_process_peak_bytes"] is None
    assert memory_of([no_gpu])["memory_source"] == "process_tree_peak_rss"


@pytest.mark.gpu
def test_the_real_driver_reports_a_jax_commands_gpu_memory(tmp_path):
    code = ("import time, jax.numpy as jnp; x = jnp.ones((256, 1024, 1024), jnp.float32); x.block_until_ready(); "
            "time.sleep(1.0)")
    spec = {"argv": [sys.executable, "-c", code], "memory_dir": str(tmp_path / "memory"),
            "output_path": str(tmp_path / "out.log")}
    result = measure(spec)
    assert result["nvml_process_peak_bytes"] >= 2**30  # the 1 GiB array, with the CUDA context on top
    assert result["jax_peak_bytes"] >= 2**30  # the hook's figure, which memory_of prefers
    assert result["nvml_process_peak_bytes"] >= result["jax_peak_bytes"]
