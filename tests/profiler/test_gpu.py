"""On a GPU: the sweep reports the true footprint (JAX's allocator peak with preallocation off),
not the 75% pool that nvidia-smi shows. Skipped without a GPU; run on the device machine."""

import json

import pytest

from tests.conftest import run_cli

pytestmark = [pytest.mark.gpu, pytest.mark.slow]


def test_gpu_sweep_measures_allocator_peak_that_grows_with_num_envs(advisor_home):
    proc = run_cli("calibrate", "mjx", "--name", "gpu", "--model", "humanoid", "--num-envs", "64,1024,4096",
                   "--repeats", "2", "--platform", "gpu", "--no-physics", "--no-phases", env={"XLA_PYTHON_CLIENT_PREALLOCATE": "true"}, timeout=1800)
    assert proc.returncode == 0, proc.stderr
    section = json.loads(run_cli("profile", "show", "gpu", "--json").stdout)["mjx"]
    assert section["accelerator"]["platform"] == "gpu" and section["memory_source"] == "jax_allocator_peak"
    points = section["points"]
    assert [p["status"] for p in points] == ["ok"] * 3
    peaks = [p["peak_bytes"] for p in points]
    assert peaks[0] < peaks[1] < peaks[2]  # the footprint grows with num_envs
    capacity = section["accelerator"]["memory_bytes"]
    assert peaks[2] < 0.5 * capacity  # far below the 75% preallocated pool the source write-up reported
    assert all(p["xla_bytes"] for p in points)
