import json
import re

from profiler.known_good import KNOWN_GOOD
from tests.conftest import ROOT, run_cli


def test_doctor_reports_backend_variables_and_plan():
    proc = run_cli("doctor", "--json", env={"XLA_PYTHON_CLIENT_MEM_FRACTION": "0.5"})
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["JAX backend"]["status"] == "ok" and checks["JAX backend"]["detail"].startswith("cpu")
    assert "XLA_PYTHON_CLIENT_MEM_FRACTION=0.5" in checks["JAX memory variables"]["detail"]
    assert "env runner" in checks["Ray"]["detail"]
    assert checks["jax"]["status"] in ("ok", "warn")
    plan = report["calibration_plan"]
    assert plan["platform"] == "cpu" and plan["num_envs"] == [16, 32, 64, 128, 256] and plan["estimated_s"] > 0


def test_known_good_set_matches_the_ci_constraints():
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s]+)$", (ROOT / "constraints.txt").read_text(), re.M))
    pins = {k.lower(): v for k, v in pins.items()}
    for name, version in KNOWN_GOOD.items():
        assert pins[name] == version, name
