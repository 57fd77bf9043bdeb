"""advisor's pins beside the trainers its users run: constraints.txt admits every requirement of
rl_zoo3 (Stable-Baselines3's zoo) and of the packages it pulls in, checked on the installed
metadata and by a resolver run against PyPI."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib import metadata

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT


def pins() -> dict[str, str]:
    found = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        name, sep, version = line.strip().partition("==")
        if sep:
            found[canonicalize_name(name)] = version
    return found


def requirement_tree(root: str) -> list[tuple[str, Requirement]]:
    """``(who requires, requirement)`` for ``root`` and everything it installs, extras it asks for included."""
    seen, todo, found = set(), [(root, frozenset())], []
    while todo:
        name, extras = todo.pop()
        key = (canonicalize_name(name), extras)
        if key in seen:
            continue
        seen.add(key)
        for text in metadata.requires(name) or []:
            req = Requirement(text)
            if req.marker is not None and not any(req.marker.evaluate({"extra": e}) for e in (extras or {""})):
                continue
            found.append((name, req))
            todo.append((req.name, frozenset(req.extras)))
    return found


def test_the_pins_admit_every_requirement_of_rl_zoo3_and_its_dependencies():
    pinned = pins()
    checked = 0
    for who, req in requirement_tree("rl_zoo3"):
        version = pinned.get(canonicalize_name(req.name))
        if version is None:  # not pinned (pip's own setuptools): what is installed must do
            version = metadata.version(req.name)
        else:
            checked += 1
        assert req.specifier.contains(version, prereleases=True), \
            f"constraints.txt pins {req.name}=={version}, but {who} requires {req}"
    assert checked > 20  # sb3_contrib, stable-baselines3, pytablewriter -> typepy[datetime] -> python-dateutil, ...
    assert pinned["python-dateutil"].startswith("2.")  # typepy[datetime] needs python-dateutil < 3


@pytest.mark.slow
def test_a_resolver_installs_rl_zoo3_beside_advisors_pins():
    uv = [sys.executable, "-m", "uv"] if shutil.which("uv") is None else ["uv"]
    proc = subprocess.run([*uv, "pip", "compile", "-q", "--no-header", "-c", str(ROOT / "constraints.txt"),
                           "--python", sys.executable, "-"], input="rl_zoo3\nrl-throughput-advisor @ file://" + str(ROOT) + "\n",
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 and re.search(r"(?i)network|connect|dns|offline", proc.stderr):
        pytest.skip(f"the package index cannot be reached: {proc.stderr.strip().splitlines()[-1]}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    resolved = dict(line.split("==", 1) for line in proc.stdout.splitlines() if "==" in line and not line.startswith(" "))
    assert resolved["rl-zoo3"] == pins()["rl-zoo3"] and resolved["python-dateutil"] == pins()["python-dateutil"]
