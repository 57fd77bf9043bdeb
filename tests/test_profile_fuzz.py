"""Mutated real profiles, every kind's section: whatever loads can be recommended from, predicted
and validated without an exception, and whatever cannot is refused on reading in one line.

Each example takes a real profile (the shipped defaults of mjx, rllib and brax, and a command
profile as ``advisor calibrate command`` writes it), changes one to four places of the kind's
section (or the profile's header) to hostile values (nan, infinities, 5e-324, 2**70, 10**400,
negative, zero, wrong types, missing keys, duplicated points), writes it into the store and runs
``advisor recommend``, ``predict``, ``validate`` and ``profile show`` on it in-process. The invariant: the file is
refused on reading with one line (exit 2), or every command ends with an exit code (0, 1 or 2,
one line on stderr when not 0); no other exception leaves the CLI. ``ADVISOR_FUZZ_EXAMPLES``
sets the examples (default 40 for mjx and 80 for each other kind: about a minute in all on a
2-core machine).
"""

from __future__ import annotations

import copy
import json
import math
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.cli import main
from profiler.errors import ProfileFormatError
from profiler.serde import to_jsonable
from profiler.store import load_profile_file
from tests.advisor.kinds.command.profiles import command_profile

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = int(os.environ.get("ADVISOR_FUZZ_EXAMPLES", "40"))


def fuzz_settings(kind: str) -> settings:
    """MJX's commands fit the most curves per example: one and a half times the examples (its phased
    sections refuse most mutations on reading); the other kinds get twice."""
    return settings(max_examples=int(EXAMPLES * (1.5 if kind == "mjx" else 2)), deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


def _shipped(name: str) -> dict:
    return json.loads((ROOT / "advisor" / "defaults" / f"{name}.json").read_text())


#: kind -> the real profiles its section is mutated from
REAL = {
    # a section with phases timed apart (the CPU humanoid) and two without (the H100's, and the CPU
    # humanoid shipped until 2026-12-05, whose throughput fell at its largest size)
    "mjx": [_shipped("h100-humanoid"), _shipped("epyc-2core-cpu-humanoid"),
            json.loads((ROOT / "tests" / "data" / "cpu_humanoid_levelled_off.json").read_text())],
    "rllib": [_shipped("epyc-2core-cpu-halfcheetah")],
    "brax": [_shipped("epyc-2core-cpu-brax-cartpole")],
    "command": [to_jsonable(command_profile("fuzz"))],
}
#: kind -> the predict options of its axis
PREDICT = {"mjx": ["--num-envs", "64,1024,100000"], "brax": ["--num-envs", "16,64,4096"],
           "command": ["--num-envs", "64,1000,5000"], "rllib": ["--runners", "1,3,64"]}

HOSTILE = [None, True, False, 0, -1, 1, 2, 0.5, -0.0, 5e-324, 1e-300, 1e-3, 1e308, math.inf, -math.inf, math.nan,
           2**31, 2**53 + 1, 2**70, 10**400, -(2**70), "", "x", "1", "nan", [], [1], [1, 2, 3], {}, {"a": 1},
           {"num_envs": 1}]
values = st.one_of(st.sampled_from(HOSTILE), st.integers(-(2**80), 2**80), st.floats(allow_nan=True),
                   st.text(max_size=6))


def places(node, path=()) -> list[tuple]:
    """Every path to a value inside ``node`` (dict keys and list indexes), in a stable order."""
    found = [path]
    if isinstance(node, dict):
        for key in sorted(node, key=str):
            found += places(node[key], path + (key,))
    elif isinstance(node, list):
        for i, item in enumerate(node):
            found += places(item, path + (i,))
    return found


def _parent(data, path):
    for step in path[:-1]:
        data = data[step]
    return data


@st.composite
def mutated(draw, kind: str) -> dict:
    data = copy.deepcopy(draw(st.sampled_from(REAL[kind])))
    data["name"] = "fuzz"
    for _ in range(draw(st.sampled_from([1, 1, 2, 3, 4]))):
        root = kind if draw(st.integers(0, 9)) else draw(st.sampled_from(["hardware", "software", "notes", "created"]))
        targets = [(root,) + p for p in places(data.get(root))] if root in data else [(root,)]
        path = draw(st.sampled_from(targets))
        parent = _parent(data, path)
        key = path[-1]
        action = draw(st.sampled_from(["replace", "replace", "replace", "delete", "duplicate"]))
        if action == "delete" and isinstance(parent, dict) and key in parent:
            del parent[key]
        elif action == "duplicate" and isinstance(parent, list):
            parent.insert(key, copy.deepcopy(parent[key]))
        elif isinstance(parent, dict) or (isinstance(parent, list) and key < len(parent)):
            old = parent.get(key) if isinstance(parent, dict) else parent[key]
            numeric = isinstance(old, (int, float)) and not isinstance(old, bool) and abs(old) < 1e300
            if numeric and draw(st.integers(0, 3)):
                parent[key] = draw(scaled(old))  # the same field far off its value: loads more often
            else:
                parent[key] = draw(values)
    return data


def scaled(old: float) -> st.SearchStrategy:
    """``old`` times a power of ten from 1e-14 to 1e14 (a whole number where ``old`` is one), or
    one of the values at the edges of what a profile may hold."""
    edges = st.sampled_from([1, 2, 1e-3, 0.0011, 1e12, 2**24, 2**50, 100_000, 1e7])
    factors = st.floats(-14, 14).map(lambda e: old * 10**e).map(lambda v: int(v) if isinstance(old, int) else v)
    return factors | edges


def run(args: list[str], capsys) -> tuple[int, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.err


def check_one_line(code: int, err: str, args: list[str]) -> None:
    assert code in (0, 1, 2), (args, code, err)
    if code:
        lines = [line for line in err.splitlines() if line.strip()]
        assert lines and all(line.startswith("advisor:") for line in lines[-1:]), (args, err)
        assert "Traceback" not in err, (args, err)


def exercise(kind: str, data: dict, advisor_home: Path, capsys) -> str:
    """Write ``data`` as profile ``fuzz`` and run the commands on it; ``refused`` or ``loaded``."""
    folder = advisor_home / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "fuzz.json"
    path.write_text(json.dumps(data, allow_nan=True))
    try:
        load_profile_file(path)
    except ProfileFormatError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc), str(exc)
        code, err = run(["recommend", "--profile", "fuzz", "--kind", kind, "--target", "100M"], capsys)
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        return "refused"
    for args in (["recommend", "--profile", "fuzz", "--kind", kind, "--target", "100M", "--json"],
                 ["recommend", "--profile", "fuzz", "--kind", kind, "--target", "1e12"],
                 ["predict", "--profile", "fuzz", "--kind", kind, *PREDICT[kind], "--json"],
                 ["validate", "--profile", "fuzz", "--kind", kind, "--json"],
                 ["profile", "show", "fuzz"]):
        code, err = run(args, capsys)
        check_one_line(code, err, args)
    return "loaded"


def _fuzz(kind: str):
    counts = {"loaded": 0, "refused": 0}

    @fuzz_settings(kind)
    @given(data=mutated(kind))
    def examples(advisor_home, capsys, data):
        counts[exercise(kind, data, advisor_home, capsys)] += 1

    def test(advisor_home, capsys):
        examples(advisor_home=advisor_home, capsys=capsys)
        with capsys.disabled():
            print(f"\n{kind}: {counts['loaded']} mutated profiles loaded and answered recommend, predict, validate "
                  f"and profile show; {counts['refused']} refused on reading in one line")
        assert counts["loaded"] >= 5  # the mutations reach the models, not only the decoder

    return test


test_mjx_profiles_fuzzed = _fuzz("mjx")
test_rllib_profiles_fuzzed = _fuzz("rllib")
test_brax_profiles_fuzzed = _fuzz("brax")
test_command_profiles_fuzzed = _fuzz("command")


@pytest.mark.parametrize("kind", sorted(REAL))
def test_the_real_profiles_themselves_load_and_answer(kind, advisor_home, capsys):
    for data in REAL[kind]:
        assert exercise(kind, {**copy.deepcopy(data), "name": "fuzz"}, advisor_home, capsys) == "loaded"
