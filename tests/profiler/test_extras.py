"""The distribution name and extras that every install hint names agree with pyproject.toml, and a
command whose extra is missing is refused in one line that names the install (exit 2)."""

import subprocess
import sys
from pathlib import Path

import pytest

from profiler.errors import EXIT_BAD_INPUT, BadInput
from profiler.extras import (
    DISTRIBUTION,
    EXTRAS,
    checkout,
    install_command,
    missing_modules,
    pypi_command,
    require_extra,
)

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_the_distribution_is_the_one_pyproject_builds_and_not_pypis_unrelated_advisor():
    assert PYPROJECT["project"]["name"] == DISTRIBUTION
    assert DISTRIBUTION != "advisor"
    assert PYPROJECT["project"]["scripts"] == {"advisor": "advisor.cli:main"}


def test_every_extra_a_hint_names_exists_in_pyproject():
    declared = PYPROJECT["project"]["optional-dependencies"]
    for extra in EXTRAS:
        assert extra in declared, extra
        assert pypi_command(extra) == f"pip install '{DISTRIBUTION}[{extra}]'"


def test_run_from_a_checkout_the_hint_installs_into_that_checkout(monkeypatch, tmp_path):
    assert checkout() == ROOT  # the tests run from the source checkout
    monkeypatch.chdir(ROOT)
    assert install_command("mjx") == "pip install -e '.[mjx]'"
    monkeypatch.chdir(tmp_path)
    assert install_command("mjx") == f"pip install -e '{ROOT}[mjx]'"


def test_no_source_file_tells_users_to_pip_install_the_unrelated_advisor():
    offenders = []
    for folder in ("advisor", "profiler", "models", "benchmarks", "examples"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            if "install 'advisor[" in text or 'install "advisor[' in text or "install advisor[" in text:
                offenders.append(str(path.relative_to(ROOT)))
    for path in [ROOT / "README.md", ROOT / "app.py", *sorted((ROOT / "docs").glob("*.md"))]:
        if "advisor[" in path.read_text(encoding="utf-8").replace(f"{DISTRIBUTION}[", ""):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_a_missing_module_is_refused_with_the_install_command():
    assert missing_modules("app", ("json", "advisor_no_such_module")) == ["advisor_no_such_module"]
    with pytest.raises(BadInput) as raised:
        require_extra("advisor report", "app", ("advisor_no_such_module",))
    message = str(raised.value)
    assert raised.value.exit_code == EXIT_BAD_INPUT
    assert message == f"'advisor report' needs advisor_no_such_module, from the app extra: {install_command('app')}"
    require_extra("advisor report", "app", ("json",))  # present: no error


def test_the_full_install_has_every_extra_it_names():
    # the test environment is the full install (make setup), so nothing may be reported missing
    for extra in EXTRAS:
        if extra == "brax" and sys.version_info < (3, 11):
            continue
        assert missing_modules(extra) == [], extra


def test_a_command_without_its_extra_exits_2_in_one_line(tmp_path):
    # a real interpreter without site (-S) whose path is advisor's sources and a copy of this environment's
    # site-packages made of links to everything but matplotlib: a core install plus the other extras
    import numpy

    site = Path(numpy.__file__).resolve().parents[1]
    packages = tmp_path / "site-packages"
    packages.mkdir()
    for entry in site.iterdir():
        if not entry.name.startswith(("matplotlib", "mpl_toolkits")):
            (packages / entry.name).symlink_to(entry)
    code = ("import sys; sys.path[:0] = sys.argv[1:3]; from advisor.cli import main; "
            "sys.exit(main(['report', '--profile', 'epyc-2core-cpu-halfcheetah', '-o', sys.argv[3]]))")
    proc = subprocess.run([sys.executable, "-S", "-c", code, str(ROOT), str(packages), str(tmp_path / "out")],
                          capture_output=True, text=True, env={"ADVISOR_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
                          cwd=tmp_path)
    assert proc.returncode == EXIT_BAD_INPUT, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"advisor: 'advisor report' needs matplotlib, from the app extra: pip install -e '{ROOT}[app]'"]
    assert not (tmp_path / "out").exists()
