"""``--env package.module:EnvClass``: a user's own gymnasium env is checked before a sweep starts
(bad ones exit 2 in one line naming the fix) and its folder reaches the measuring children."""

import os
import shutil
from pathlib import Path

import pytest

from profiler.errors import BadInput
from profiler.kinds.rllib.env_entry import check_entry_point, import_root_on_path, is_entry_point
from tests.conftest import ROOT, one_line_error, run_cli

TINY = Path(__file__).with_name("tiny_env.py")


def test_entry_points_are_told_from_registered_ids():
    assert is_entry_point("my_envs.grid:GridEnv") and is_entry_point("tiny:TinyEnv")
    assert not is_entry_point("HalfCheetah-v5") and not is_entry_point("ale_py:ALE/Breakout-v5")


def test_a_good_entry_point_returns_the_folder_it_imports_from(monkeypatch):
    root = check_entry_point("tests.profiler.kinds.rllib.tiny_env:TinyEnv")
    assert root == ROOT
    assert check_entry_point("gymnasium.envs.classic_control.cartpole:CartPoleEnv") is None  # installed: nothing to add
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    import_root_on_path(root)
    assert os.environ["PYTHONPATH"] == f"{ROOT}{os.pathsep}/elsewhere"
    import_root_on_path(root)  # once only
    assert os.environ["PYTHONPATH"].count(str(ROOT)) == 1


@pytest.mark.parametrize("env, message", [
    ("tiny_env:TinyEnv extra", "not an entry point; write package.module:EnvClass"),
    ("no_such_module_here:Env", "cannot import no_such_module_here"),
    ("tests.profiler.kinds.rllib.tiny_env:Missing", "has no Missing; its envs: tests.profiler.kinds.rllib.tiny_env:TinyEnv"),
    ("tests.profiler.kinds.rllib.tiny_env:NotAnEnv", "NotAnEnv is not a gymnasium.Env subclass"),
    ("tests.profiler.kinds.rllib.tiny_env:needs_arguments", "building it with no arguments failed (TypeError"),
])
def test_bad_entry_points_name_the_fix(env, message):
    with pytest.raises(BadInput, match="^--env") as caught:
        check_entry_point(env)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_calibrate_refuses_a_bad_entry_point_with_exit_2_before_anything_starts(tmp_path):
    shutil.copy(TINY, tmp_path / "my_tiny_env.py")  # the user's module, in the folder they run advisor from
    proc = run_cli("calibrate", "rllib", "--quick", "--env", "my_tiny_env:TinyEnvv", "--name", "t", cwd=tmp_path)
    assert proc.returncode == 2
    assert one_line_error(proc) == ("advisor: --env 'my_tiny_env:TinyEnvv': my_tiny_env has no TinyEnvv; "
                                    "its envs: my_tiny_env:TinyEnv")
