"""The injected start-up hook in real Python processes: it reports at exit, and an existing
sitecustomize still runs."""

import json
import os
import subprocess
import sys

from profiler.kinds.command.point import HOOK_DIR, command_env, hook_peaks


def run_python(code: str, tmp_path, extra_path: str = ""):
    memory = tmp_path / "memory"
    memory.mkdir(exist_ok=True)
    spec = {"memory_dir": str(memory), "env": {"PYTHONPATH": extra_path} if extra_path else {}}
    env = command_env(spec)
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    return proc, memory, env


def test_every_process_reports_at_exit_and_no_device_means_no_device_peak(tmp_path):
    proc, memory, env = run_python("import subprocess, sys; subprocess.run([sys.executable, '-c', 'pass'])", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert env["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false" and env["PYTHONPATH"].split(os.pathsep)[0] == str(HOOK_DIR)
    reports = [json.loads(p.read_text()) for p in memory.glob("*.json")]
    assert len(reports) == 2  # the command and the process it started
    assert all(r["jax_peak_bytes"] is None and r["torch_cuda_peak_bytes"] is None for r in reports)
    assert hook_peaks(memory) == {"jax_peak_bytes": None, "torch_cuda_peak_bytes": None, "frameworks": []}


def test_jax_on_cpu_reports_no_device_peak_and_starts_no_backend_it_did_not_use(tmp_path):
    proc, memory, _ = run_python("import jax.numpy as jnp; print(float(jnp.ones(3).sum()))", tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == "3.0", proc.stderr
    (report,) = [json.loads(p.read_text()) for p in memory.glob("*.json")]
    assert report["jax_peak_bytes"] is None  # CPU: the process tree's RSS is the measure there
    assert report["frameworks"] == ["jax"]  # a JAX program: XLA's bytes could bound its memory


def test_the_hook_says_a_torch_program_ran_torch_and_no_jax(tmp_path):
    proc, memory, _ = run_python("import torch; print(int(torch.ones(3).sum()))", tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == "3", proc.stderr
    assert hook_peaks(memory)["frameworks"] == ["torch"]


def test_an_existing_sitecustomize_still_runs(tmp_path):
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    marker = tmp_path / "marker"
    (theirs / "sitecustomize.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    proc, memory, _ = run_python("import sitecustomize; print(sitecustomize.__file__)", tmp_path, str(theirs))
    assert proc.returncode == 0, proc.stderr
    assert marker.read_text() == "ran"
    assert proc.stdout.strip().startswith(str(HOOK_DIR))
    assert len(list(memory.glob("*.json"))) == 1
