"""advisor's start-up hook for a calibrated command (``advisor calibrate command``).

advisor puts this folder first on the command's ``PYTHONPATH``, so every Python process of the
command imports this module at start-up. It then imports the ``sitecustomize`` that would
otherwise have been found (so an existing one still runs), and at exit writes the process's
device-memory peaks as JSON to ``$ADVISOR_MEMORY_DIR/<pid>.json``:

* ``jax_peak_bytes``: the sum over JAX's GPU/TPU devices of the allocator's ``peak_bytes_in_use``
  (only when the program imported jax and initialised a backend: the hook never starts one);
* ``torch_cuda_peak_bytes``: ``torch.cuda.max_memory_allocated`` summed over devices (only when
  the program imported torch and initialised CUDA);
* ``frameworks``: which of jax and torch the process imported.

It imports nothing of advisor's and does nothing when ``ADVISOR_MEMORY_DIR`` is unset.
"""

import atexit
import json
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def _jax_peak():
    if "jax" not in sys.modules:
        return None
    try:
        from jax._src import xla_bridge

        if not getattr(xla_bridge, "_backends", None):  # never initialised: do not start one now
            return None
        import jax

        total, seen = 0, False
        for device in jax.local_devices():
            if device.platform == "cpu":
                continue
            stats = device.memory_stats() or {}
            if "peak_bytes_in_use" in stats:
                total += int(stats["peak_bytes_in_use"])
                seen = True
        return total if seen else None
    except Exception:
        return None


def _torch_peak():
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    try:
        if not torch.cuda.is_initialized():
            return None
        return int(sum(torch.cuda.max_memory_allocated(i) for i in range(torch.cuda.device_count())))
    except Exception:
        return None


def _write_peaks():
    folder = os.environ.get("ADVISOR_MEMORY_DIR")
    if not folder:
        return
    peaks = {"pid": os.getpid(), "jax_peak_bytes": _jax_peak(), "torch_cuda_peak_bytes": _torch_peak(),
             "frameworks": [name for name in ("jax", "torch") if name in sys.modules]}
    try:
        path = os.path.join(folder, f"{os.getpid()}.json")
        with open(path + ".tmp", "w") as handle:
            json.dump(peaks, handle)
        os.replace(path + ".tmp", path)
    except OSError:
        pass


def _chain():
    """Run the ``sitecustomize`` this one hides, if the rest of ``sys.path`` has one."""
    import importlib.machinery
    import importlib.util

    rest = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


def _register():
    """Run at exit before the frameworks' own exit handlers (JAX's drops its backends, and their
    peaks with them): the interpreter calls threading's exit callbacks before ``atexit``'s."""
    import threading

    try:
        threading._register_atexit(_write_peaks)
    except (AttributeError, RuntimeError):
        atexit.register(_write_peaks)


if os.environ.get("ADVISOR_MEMORY_DIR"):
    _register()
_chain()
