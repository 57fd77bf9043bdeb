"""The MJX workload's physics settings: substeps and solver overrides reach the model the measuring
child builds, are recorded in the workload spec and shown with the profile and recommendations."""

import dataclasses

import pytest

import advisor.cli  # noqa: F401  (first: importing advisor.kinds.mjx.render alone closes an import cycle)
from advisor.kinds.mjx.render import summary_lines
from profiler.kinds.mjx.mjcf import resolve_model
from profiler.kinds.mjx.points import child_spec
from profiler.kinds.mjx.schema import MjxSection, MjxWorkload
from profiler.profile import Accelerator
from tests.conftest import one_line_error, run_cli

GO2_LIKE = dict(n_substeps=5, solver_iterations=8, ls_iterations=12, timestep=0.002)


def test_overrides_reach_the_model_and_substeps_set_the_env_step():
    from profiler.kinds.mjx.workload import MjxEnv

    path = resolve_model("half_cheetah")
    plain = MjxEnv.from_path(path)
    env = MjxEnv.from_path(path, **GO2_LIKE)
    assert (env.mj_model.opt.iterations, env.mj_model.opt.ls_iterations) == (8, 12)
    assert env.mj_model.opt.timestep == pytest.approx(0.002) and env.n_substeps == 5
    assert env.dt == pytest.approx(5 * 0.002)
    assert plain.n_substeps == 1 and plain.dt == pytest.approx(plain.mj_model.opt.timestep)


def test_the_settings_are_recorded_passed_to_the_child_and_shown(tmp_path):
    workload = MjxWorkload(model="go2.xml", **GO2_LIKE)
    assert workload.physics == GO2_LIKE and MjxWorkload().physics == {}
    spec = child_spec(workload, tmp_path / "go2.xml", 64, repeats=1, physics=False, cache_dir="", platform="cpu",
                      seed=0, memory_limit_bytes=None, compile_only=True)
    assert {k: spec[k] for k in GO2_LIKE} == GO2_LIKE
    section = MjxSection(workload=workload, accelerator=Accelerator("cpu", "CPU", 2**34))
    assert "physics: n_substeps 5, solver_iterations 8, ls_iterations 12, timestep 0.002" in summary_lines(section)
    with pytest.raises(ValueError, match="n_substeps"):
        dataclasses.replace(workload, n_substeps=0)


@pytest.mark.parametrize(("option", "message"), [("--timestep", "--timestep 0.0 is out of range"),
                                                 ("--n-substeps", "--n-substeps 0 is out of range")])
def test_bad_physics_options_are_one_line_exit_2(option, message):
    assert message in one_line_error(run_cli("calibrate", "mjx", "--name", "x", option, "0"))
