"""What ``advisor doctor`` checks for RLlib calibration: Ray, and the CPUs a local session gets."""

from __future__ import annotations

from importlib import metadata

from profiler.diagnose import Check, usable_cpus
from profiler.extras import install_command


def check_ray() -> Check:
    try:
        version = metadata.version("ray")
    except metadata.PackageNotFoundError:
        return Check("Ray", "warn", f"not installed: 'advisor calibrate rllib' needs the rllib extra: "
                                    f"{install_command('rllib')}")
    cpus = usable_cpus()
    runners = max(cpus - 1, 1)
    return Check("Ray", "ok", f"ray {version}; a local session gets {cpus} CPUs, so RLlib sweeps use up to "
                              f"{runners} env runner(s) (one CPU stays with the driver)")
