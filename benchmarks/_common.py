"""Shared helpers for the benchmarks: machine description and result files."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


PAGE_REPORTING = Path("/sys/module/page_reporting/parameters")


def page_reporting() -> str | None:
    """How a virtual machine hands its freed memory back to the host (the guest's free page
    reporting), in words; ``None`` where the kernel does not report. Memory handed back is fresh
    again: the next touch of it costs a trip to the host (benchmarks/README.md)."""
    try:
        delay = int((PAGE_REPORTING / "min_free_ms").read_text())
        reported = int((PAGE_REPORTING / "reported_kib").read_text())
    except (OSError, ValueError):
        return None
    return (f"free memory handed back to the host {delay} ms after it is freed ({reported / 2**20:,.0f} GiB so far "
            "since boot)")


def machine() -> str:
    from profiler.hardware import fingerprint

    hw = fingerprint()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    reporting = page_reporting()
    return (f"{hw.summary}, {hw.ram_bytes / 2**30:.0f} GiB RAM, Python {platform.python_version()}, "
            f"load average {load:.2f} at start" + (f"; {reporting}" if reporting else ""))


def json_lines(path: Path) -> list[dict]:
    """The JSON objects a file holds one per line (none where the file is missing); other lines skipped."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def write_result(name: str, title: str, body: str, path: Path | None = None) -> Path:
    """Write ``body`` under ``title`` with the date, machine and load, to ``path`` (default:
    ``benchmarks/results/<name>.md``)."""
    if path is None:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{name}.md"
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    path.write_text(f"# {title}\n\nMeasured {stamp} on {machine()}.\n\n{body.rstrip()}\n")
    return path


@dataclass(frozen=True)
class ZooRun:
    """One rl_zoo3 run: its own steady env steps/s (read by advisor's sb3 preset, as the trainers
    benchmark reads it), its wall-clock start and end (``time.time()``) and its minor page faults."""

    sps: float
    start: float
    end: float
    minor_faults: int

    @property
    def wall_s(self) -> float:
        return self.end - self.start


def rl_zoo3_ppo(steps: int, folder: str, env: dict[str, str] | None = None) -> ZooRun:
    """rl_zoo3's PPO on HalfCheetah-v5 at 1 env for ``steps`` env steps, as released, in ``folder``."""
    from profiler.trainers import trainer

    with tempfile.TemporaryFile("w+") as out:
        start = time.time()
        proc = subprocess.Popen([sys.executable, "-m", "rl_zoo3.train", "--algo", "ppo", "--env", "HalfCheetah-v5",
                                 "--log-folder", folder, "--seed", "1", "-n", str(steps)],
                                stdout=out, stderr=subprocess.STDOUT, env=env, cwd=folder)
        _pid, status, usage = os.wait4(proc.pid, 0)
        end = time.time()
        out.seek(0)
        sps = trainer("sb3").steady_sps(out.read(), {})
    code = os.waitstatus_to_exitcode(status)
    if code != 0 or not sps:
        raise SystemExit(f"rl_zoo3 failed (exit {code}); is it installed (make setup)?")
    return ZooRun(sps, start, end, usage.ru_minflt)
