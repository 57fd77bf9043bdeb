"""brax and jax that do not train together: named, with the fix, by ``advisor doctor`` and by
``calibrate brax`` before anything runs. The user's environment is stood in for by a folder of
package metadata (``*.dist-info``) put first on PYTHONPATH, where Python's importlib.metadata
finds it before the installed packages, as it would a jax 0.10 installed over them."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import pytest

from profiler.kinds.brax.versions import broken_pair, fix_command, release
from profiler.known_good import KNOWN_GOOD
from tests.conftest import one_line_error, run_cli


def test_which_pairs_are_broken_by_hand():
    assert release("0.10.2+cuda12") == (0, 10, 2) and release("0.9.0.1") == (0, 9, 0, 1) and release("dev") == ()
    problem = broken_pair({"brax": "0.14.2", "jax": "0.10.2"})
    assert "brax 0.14.2 with jax 0.10.2" in problem and fix_command() in problem and "\n" not in problem
    assert f"'jax=={KNOWN_GOOD['jax']}'" in fix_command() and f"'flax=={KNOWN_GOOD['flax']}'" in fix_command()
    assert broken_pair({"brax": "0.13.0", "jax": "0.10.0"}) is not None
    assert broken_pair({"brax": "0.14.2", "jax": "0.9.2"}) is None
    assert broken_pair({"brax": "0.14.3", "jax": "0.10.2"}) is None  # a release after the fix
    assert broken_pair({"jax": "0.10.2"}) is None and broken_pair({"brax": "0.14.2"}) is None


def stand_in_jax(folder: Path, version: str) -> dict[str, str]:
    info = folder / f"jax-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: jax\nVersion: {version}\n")
    return {"PYTHONPATH": str(folder)}


def test_doctor_names_brax_with_jax_0_10_and_the_fix(tmp_path):
    pytest.importorskip("brax")
    proc = run_cli("doctor", "--json", env=stand_in_jax(tmp_path / "meta", "0.10.2"))
    assert proc.returncode == 1, proc.stderr  # a failed check
    checks = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    assert checks["brax and jax"]["status"] == "fail"
    assert "with jax 0.10.2" in checks["brax and jax"]["detail"] and fix_command() in checks["brax and jax"]["detail"]
    assert checks["jax"]["detail"].startswith("0.10.2")


def test_doctor_says_brax_trains_on_the_known_good_jax():
    pytest.importorskip("brax")
    proc = run_cli("doctor", "--json")
    checks = {c["name"]: c for c in json.loads(proc.stdout)["checks"]}
    assert checks["brax and jax"]["status"] == "ok" and f"jax {KNOWN_GOOD['jax']}" in checks["brax and jax"]["detail"]


@pytest.mark.slow
def test_calibrate_brax_refuses_the_broken_pair_in_one_line(tmp_path):
    pytest.importorskip("brax")
    line = one_line_error(run_cli("calibrate", "brax", "--quick", "--name", "broken",
                                  env=stand_in_jax(tmp_path / "meta", "0.10.1"), timeout=600))
    assert f"brax {metadata.version('brax')} with jax 0.10.1" in line and fix_command() in line
