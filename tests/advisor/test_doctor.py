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


def test_the_extra_doctor_names_for_a_missing_package_installs_it():
    import tomllib

    from profiler.known_good import EXTRA

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    name_of = lambda requirement: re.match(r"[A-Za-z0-9_.-]+", requirement).group(0).lower()  # noqa: E731
    core = {name_of(r) for r in project["dependencies"]}
    for name in KNOWN_GOOD:
        if name in EXTRA:
            assert name in {name_of(r) for r in project["optional-dependencies"][EXTRA[name]]}, name
        else:
            assert name in core, name


def test_malformed_jax_memory_variables_fail_the_check():
    from profiler.diagnose import check_preallocation

    assert check_preallocation({"XLA_PYTHON_CLIENT_MEM_FRACTION": "0.9"}).status == "ok"
    bad = check_preallocation({"XLA_PYTHON_CLIENT_MEM_FRACTION": "abc"})
    assert bad.status == "fail" and "not a number" in bad.detail
    assert check_preallocation({"XLA_PYTHON_CLIENT_MEM_FRACTION": "1.5"}).status == "fail"
    assert check_preallocation({"XLA_PYTHON_CLIENT_PREALLOCATE": "maybe"}).status == "fail"
    assert check_preallocation({"XLA_PYTHON_CLIENT_PREALLOCATE": "false"}).status == "ok"


def test_data_folder_check(tmp_path):
    from profiler.diagnose import check_home

    assert check_home(tmp_path / "new" / "home").status == "ok"
    blocker = tmp_path / "file"
    blocker.write_text("x")
    failed = check_home(blocker / "home")
    assert failed.status == "fail" and "ADVISOR_HOME" in failed.detail
