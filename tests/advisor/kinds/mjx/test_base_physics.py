"""A base conf whose env or physics differ from the profile's: recommend says which, in one line
that names the calibration measuring the conf's workload (and --json carries it)."""

import json

import pytest
import yaml

from advisor.kinds.mjx.base_physics import differences, note
from profiler.kinds.mjx.schema import MjxWorkload
from tests.conftest import ROOT, run_cli

GO2 = MjxWorkload(model="/home/me/loco-mujoco/loco_mujoco/models/unitree_go2/go2.xml", n_substeps=5,
                  solver_iterations=8, ls_iterations=12, timestep=0.002)


def conf(env_name=None, **params):
    if env_name:
        params["env_name"] = env_name
    return yaml.safe_load(yaml.safe_dump({"experiment": {"num_envs": 2048, "env_params": params}}))


def test_the_profile_of_the_confs_robot_and_physics_has_no_note():
    assert note(GO2, conf("MjxUnitreeGo2.walk"), "conf.yaml") is None
    assert note(GO2, {"experiment": {"num_envs": 64}}, "conf.yaml") is None  # a conf that names no env
    # the robot named by its folder or its file, whatever the task
    assert differences(MjxWorkload(model="models/unitree_h1/h1.xml", n_substeps=5), conf("MjxUnitreeH1.run"))[1] == []


def test_substeps_measured_differently_are_named_with_the_option_to_measure_them():
    one_step = MjxWorkload(model=GO2.model, solver_iterations=8, ls_iterations=12, timestep=0.002)
    line = note(one_step, conf("MjxUnitreeGo2.walk"), "conf.yaml")
    assert line == ("MjxUnitreeGo2.walk is not the workload the profile measured: n_substeps 1 (yours: 5); "
                    "predictions are for the profile's workload; measure yours with advisor calibrate mjx "
                    "--n-substeps 5")


def test_the_confs_own_overrides_win_over_the_envs_physics():
    _env, found = differences(GO2, conf("MjxUnitreeGo2.walk", n_substeps=10, timestep=0.001))
    assert {(d.setting, d.profile, d.conf) for d in found} == {("n_substeps", 5, 10), ("timestep", 0.002, 0.001)}


def test_another_robot_is_named_with_its_physics_and_settings_left_to_the_model_are_not_compared():
    humanoid = MjxWorkload(model="humanoid")  # solver settings: the MJCF's own, so unknown here
    _env, found = differences(humanoid, conf("MjxUnitreeGo2.walk"))
    assert [(d.setting, d.profile, d.conf) for d in found] == [("model", "humanoid", "UnitreeGo2"), ("n_substeps", 1, 5)]
    line = note(humanoid, conf("MjxUnitreeGo2.walk"), "conf.yaml")
    assert line.endswith("advisor calibrate mjx --model <your robot's MJCF> --n-substeps 5 --timestep 0.002 "
                         "--solver-iterations 8 --ls-iterations 12")
    assert "\n" not in line


@pytest.mark.parametrize("as_json", [True, False])
def test_recommend_with_a_base_conf_of_another_robot_says_so(as_json):
    args = ["recommend", "--profile", "h100-humanoid", "--target", "100M", "--base",
            str(ROOT / "tests" / "data" / "locomujoco_conf.yaml")] + (["--json"] if as_json else [])
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    expected = ("MjxUnitreeH1.walk is not the workload the profile measured: model humanoid (yours: UnitreeH1), "
                "n_substeps 1 (yours: 5)")
    if as_json:
        assert sum(n.startswith(expected) for n in json.loads(proc.stdout)["notes"]) == 1
    else:
        [line] = [ln for ln in proc.stdout.splitlines() if expected in ln]
        assert line.startswith("# note: ")
