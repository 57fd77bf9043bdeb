"""Shared fixtures: every test gets its own ADVISOR_HOME; JAX's compilation cache is shared by
the whole session so that identical programs compile once."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]
#: A two-link arm without contacts, the lightest MJCF the MJX workload takes: for tests of the
#: sweep machinery, the calibration's records and PPO's logic, which do not look at the physics.
ARM = ROOT / "tests" / "data" / "reacher2.xml"

# Tests compile many small XLA programs; LLVM's lowest optimisation level compiles them about a
# third faster. Throughput numbers measured in tests are not compared with anything.
os.environ.setdefault("XLA_FLAGS", "--xla_backend_optimization_level=0")
# Calibration locks are machine-wide; a test session (and each test) keeps its own, so test suites
# running side by side in other checkouts neither wait for nor block one another.
os.environ["ADVISOR_LOCK_DIR"] = tempfile.mkdtemp(prefix="advisor-test-locks-")
atexit.register(shutil.rmtree, os.environ["ADVISOR_LOCK_DIR"], ignore_errors=True)
# Runs never wait for a CPU in a slow spell (calibrate command's --steady-wait), so that a slow
# moment of a busy test machine does not add a minute to a test; the tests of the wait set it.
os.environ["ADVISOR_STEADY_WAIT"] = "0"
ARTIFACTS = ROOT / "tests" / "artifacts"
# Property tests check what is computed, never how fast: no per-example deadline, which a pause of
# the other test worker on a 2-core machine would otherwise turn into a failure.
settings.register_profile("advisor", deadline=None)
settings.load_profile("advisor")
# A suite started in the background of a non-interactive shell (`make test &`, nohup) inherits
# SIGINT ignored, and so would every advisor process the tests start: Python then never raises
# KeyboardInterrupt and the Ctrl-C tests would see a sweep run to its end. A handler (unlike an
# ignored signal) is reset to the default at exec, so the processes started here get Ctrl-C back.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def jax_cache(tmp_path_factory) -> Path:
    """One cache for the whole run: under pytest-xdist (``make test`` runs three workers) the
    workers share it, in the run's common temp folder, as advisor's parallel compiles do."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        path = tmp_path_factory.getbasetemp().parent / "jax-cache"
        path.mkdir(exist_ok=True)
        return path
    return tmp_path_factory.mktemp("jax-cache")


@pytest.fixture(autouse=True)
def advisor_home(tmp_path, monkeypatch, jax_cache) -> Path:
    home = tmp_path / "advisor-home"
    monkeypatch.setenv("ADVISOR_HOME", str(home))
    monkeypatch.setenv("ADVISOR_JAX_CACHE", str(jax_cache))
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("ADVISOR_LOCK_DIR", str(tmp_path / "locks"))
    return home


def run_cli(*args: str, env: dict | None = None, timeout: float = 600, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``advisor`` in a fresh interpreter, as a user would."""
    return subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})}, cwd=cwd or ROOT)


def one_line_error(proc: subprocess.CompletedProcess) -> str:
    """Assert the process failed with exit 2 and exactly one line on stderr; return it."""
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    return lines[0]


def _jax_sees_a_gpu() -> bool:
    """Asked in a fresh interpreter, so this process never initialises a JAX backend."""
    code = "import jax, sys; sys.exit(0 if jax.default_backend() == 'gpu' else 1)"
    try:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def pytest_collection_modifyitems(config, items):
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if gpu_items and not _jax_sees_a_gpu():
        skip = pytest.mark.skip(reason="needs a CUDA GPU visible to JAX (run on the device machine)")
        for item in gpu_items:
            item.add_marker(skip)
