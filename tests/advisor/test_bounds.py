"""Every whole-number and decimal option of every command refuses out-of-range, nan, infinite and
huge values in one line naming the option (exit 2) before the command does anything; text
options that carry numbers (sizes, durations, counts, lists) do the same through their parsers.
``ADVISOR_PROBE_EXAMPLES`` sets how many options and values the property test tries (default 600).
"""

from __future__ import annotations

import math
import os

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.cli import main
from advisor.cli.app import app
from advisor.cli.bounds import RANGES, Range, check_value, numeric_options
from profiler.errors import BadInput
from tests.conftest import one_line_error, run_cli

#: Valid values of the options and arguments a command requires, so that the option under test
#: is the only thing wrong.
REQUIRED = {"target": "1M", "profile": "h100-humanoid", "output": "out", "kind": "mjx", "name": "x", "file": "x.csv"}


def every_numeric_option() -> list[tuple[list[str], str, str, object]]:
    """``(command words, required arguments, flag, parameter)`` of every int or float option."""
    root = typer.main.get_command(app)
    calibrate = root.commands["calibrate"]
    for name in calibrate.list_commands(None):
        calibrate.get_command(None, name)  # the calibrate commands are built when first asked for
    found = []
    for path, name, param in numeric_options(root):
        words = path.split()[1:]
        command = root
        for word in words:
            command = command.commands[word]
        required = []
        for other in command.params:
            if other.required and other.name != name:
                if type(other).__name__.endswith("Argument"):
                    required.append(REQUIRED[other.name])
                else:
                    required += [max(other.opts, key=len), REQUIRED[other.name]]
        if words == ["calibrate", "command"]:  # its command comes after --
            required += ["--name", "x"]
        found.append((words, required, max(param.opts, key=len), param))
    return found


OPTIONS = every_numeric_option()


def test_every_numeric_option_of_every_command_has_a_range():
    assert len(OPTIONS) >= 40  # every kind's calibrate, recommend, predict, verify and import options
    unranged = sorted({" ".join(words) + " " + flag for words, _r, flag, param in OPTIONS if param.name not in RANGES})
    assert not unranged, f"options without a range in advisor/cli/bounds.py: {unranged}"


def _hostile(limits: Range) -> st.SearchStrategy[str]:
    """Text of values outside ``limits``: just past each end, far past, nan, infinities, huge."""
    below = limits.low - (0 if limits.low_open else (1 if limits.whole else abs(limits.low) * 1e-9 + 1e-12))
    above = limits.high + (0 if limits.high_open else (1 if limits.whole else abs(limits.high) * 1e-6))
    edge = [below, above, limits.low - 10**6, limits.high * 1000 + 1]
    words = [repr(int(v)) if limits.whole and float(v).is_integer() else repr(float(v)) for v in edge]
    words += ["nan", "inf", "-inf", "1e400", str(2**70), str(-(2**70)), "9" * 5000, "-" + "9" * 400]
    return st.sampled_from(words) | st.integers(int(limits.high) + 1, 2**200).map(str)


@settings(max_examples=int(os.environ.get("ADVISOR_PROBE_EXAMPLES", "600")), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_option_refuses_out_of_range_nan_and_huge_values_in_one_line(data, capsys, advisor_home):
    words, required, flag, param = data.draw(st.sampled_from(OPTIONS), label="option")
    value = data.draw(_hostile(RANGES[param.name]), label="value")
    argv = [*words, *required, f"{flag}={value}"]
    if words == ["calibrate", "command"]:
        argv += ["--", "true", "{num_envs}", "{total_timesteps}"]
    code = main(argv)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, (argv[:6], code, err[:500])
    assert len(lines) == 1 and lines[0].startswith("advisor:") and "Traceback" not in err, err[:500]
    assert flag in lines[0] or "--" + param.name.replace("_", "-") in lines[0], lines[0]
    assert len(lines[0]) < 400, lines[0]  # a 5,000-digit value is cut, not echoed
    assert not (advisor_home / "runs").exists() and not (advisor_home / "profiles").exists()  # nothing started


@given(value=st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(2**80), 2**80))
def test_a_value_is_accepted_exactly_when_it_is_in_range(value):
    for name, limits in RANGES.items():
        inside = (isinstance(value, int) or math.isfinite(value)) and limits.accepts(float(value)) and (
            not limits.whole or float(value).is_integer())
        if isinstance(value, int) and not limits.low <= value <= limits.high:
            inside = False
        try:
            check_value(f"--{name}", name, value)
            assert inside, (name, value)
        except BadInput as exc:
            assert not inside, (name, value)
            assert f"--{name}" in str(exc) and "give" in str(exc)


@pytest.mark.parametrize("args, expected", [
    # the campaign's reproductions, as a user runs them
    (("calibrate", "mjx", "--num-steps", "100001"), "--num-steps 100001 is out of range"),
    (("calibrate", "mjx", "--num-minibatches", str(2**70)), "--num-minibatches"),
    (("calibrate", "command", "--name", "x", "--num-steps", str(2**70), "--", "true", "{num_envs}", "{total_timesteps}"), "--num-steps"),
    (("calibrate", "command", "--name", "x", "--repeats", str(2**70), "--", "true", "{num_envs}", "{total_timesteps}"), "--repeats"),
    (("calibrate", "command", "--name", "x", "--memory-limit", "9" * 5000, "--", "true", "{num_envs}", "{total_timesteps}"),
     "--memory-limit"),
    (("calibrate", "rllib", "--driver-cpus", "nan"), "--driver-cpus nan"),
    (("calibrate", "rllib", "--cpus-per-runner", "nan"), "--cpus-per-runner nan"),
    (("verify", "--profile", "h100-humanoid", "--target", "2M", "--num-steps", "100001"), "--num-steps"),
    (("verify", "--profile", "h100-humanoid", "--target", "2M", "--num-envs", "100000000000000000"), "--num-envs"),
    (("profile", "import", "x.csv", "--kind", "mjx", "--name", "x", "--device-memory-bytes", "2000000000000000"),
     "--device-memory-bytes"),
    (("profile", "import", "x.csv", "--kind", "rllib", "--name", "x", "--cpus", "2000000"), "--cpus"),
    (("recommend", "--kind", "brax", "--target", "100M", "--batch-size", str(2**70)), "--batch-size"),
    (("predict", "--profile", "h100-humanoid", "--num-envs", "1024", "--num-steps", str(2**70)), "--num-steps"),
    (("recommend", "--target", "100M", "--tolerance", "nan"), "--tolerance"),
    (("calibrate", "mjx", "--budget", "1" * 400), "--budget"),
    (("calibrate", "mjx", "--num-envs", "9" * 5000), "--num-envs"),
    (("calibrate", "brax", "--shapes", f"64:{2**70}:2:10"), "batch_size"),
])
def test_the_campaigns_numbers_are_refused_in_one_line_by_a_real_process(args, expected):
    proc = run_cli(*args, timeout=120)
    line = one_line_error(proc)
    assert expected in line and len(line) < 400, line
