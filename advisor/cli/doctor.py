"""``advisor doctor``: is this machine ready to calibrate, and what would calibration measure?"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from advisor import catalog
from advisor.cli.common import out, print_json, table as new_table
from advisor.errors import EXIT_FAILURE, ProfileError
from advisor.units import format_duration
from profiler import diagnose
from profiler.errors import ProfilerError
from profiler.hardware import fingerprint
from profiler.serde import to_jsonable

STYLE = {"ok": "green", "warn": "yellow", "fail": "red"}


def doctor(json_output: Annotated[bool, typer.Option("--json", help="Print the checks as JSON.")] = False) -> int:
    """Check the JAX backend and devices, JAX's memory variables, NVML, Ray and its CPUs, package versions
    against the known-good set and disk for the compilation cache; then say what 'advisor calibrate mjx'
    would measure here and roughly how long it would take (seconds)."""
    from profiler.kinds.mjx.sweep import default_grid, probe_device

    checks = []
    platform = None
    try:
        with tempfile.TemporaryDirectory(prefix="advisor-doctor-") as tmp:
            accel = probe_device(Path(tmp), None, timeout_s=180)
        platform = accel.platform
        memory = f", {accel.memory_bytes / 2**30:.1f} GiB" if accel.memory_bytes else ""
        checks.append(diagnose.Check("JAX backend", "ok", f"{accel.platform}: {accel.name}{memory}"))
    except ProfilerError as exc:
        checks.append(diagnose.Check("JAX backend", "fail", str(exc)))
    checks += [diagnose.check_preallocation(), diagnose.check_nvml(), diagnose.check_ray(), diagnose.check_home(),
               diagnose.check_disk()]
    checks += diagnose.check_versions()
    plan = None
    if platform is not None:
        grid = default_grid(platform, quick=False)
        seconds, basis = diagnose.estimate_sweep_s(platform, len(grid), _measured_point_s())
        plan = {"platform": platform, "num_envs": list(grid), "estimated_s": seconds, "basis": basis,
                "quick_num_envs": list(default_grid(platform, quick=True))}
    if json_output:
        print_json({"checks": to_jsonable(checks), "calibration_plan": plan})
    else:
        table = new_table("advisor doctor", ("check", "status", "detail"))
        for c in checks:
            table.add_row(c.name, f"[{STYLE[c.status]}]{c.status}[/{STYLE[c.status]}]", c.detail)
        out.print(table)
        if plan:
            out.print(f"'advisor calibrate mjx' would measure num_envs {', '.join(map(str, plan['num_envs']))} on the "
                      f"{platform} backend: about {format_duration(plan['estimated_s'])} ({basis}); --quick measures "
                      f"{', '.join(map(str, plan['quick_num_envs']))}")
    return EXIT_FAILURE if any(c.status == "fail" for c in checks) else 0


def _measured_point_s() -> list[float]:
    """Wall seconds per point from this machine's calibrated profiles (default settings only)."""
    here = fingerprint()
    seconds = []
    for name in catalog.local_profile_names():
        try:
            profile, _ = catalog.load(name)
        except ProfileError:  # a damaged profile is reported by "profile list", not here
            continue
        if profile.section("mjx") is None or not catalog.same_machine(profile.hardware, here):
            continue
        seconds += [p.wall_s for p in profile.section("mjx").points if p.wall_s and p.ok]
    return seconds
