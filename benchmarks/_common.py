"""Shared helpers for the benchmarks: machine description and result files."""

from __future__ import annotations

import datetime as _dt
import os
import platform
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def machine() -> str:
    from profiler.hardware import fingerprint

    hw = fingerprint()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{hw.summary}, {hw.ram_bytes / 2**30:.0f} GiB RAM, Python {platform.python_version()}, "
            f"load average {load:.2f} at start")


def write_result(name: str, title: str, body: str, path: Path | None = None) -> Path:
    """Write ``body`` under ``title`` with the date, machine and load, to ``path`` (default:
    ``benchmarks/results/<name>.md``)."""
    if path is None:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{name}.md"
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    path.write_text(f"# {title}\n\nMeasured {stamp} on {machine()}.\n\n{body.rstrip()}\n")
    return path
