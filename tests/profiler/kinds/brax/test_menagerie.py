"""The MuJoCo Menagerie decision for Playground's locomotion and manipulation envs: go ahead where
Menagerie is where Playground looks, fetch it where it is absent, refuse in one line (naming where
it goes and how to clone it) only when the fetch fails. Folders and git repositories are real; the
CLI tests run Playground's own fetch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from profiler.errors import WorkloadSpecError
from profiler.kinds.brax.menagerie import URL, Menagerie, ensure
from tests.conftest import ROOT, one_line_error, run_cli

COMMIT = "1b86ece576591213e2b666ebf59508454200ca97"
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(*args: str, cwd: Path) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout.strip()


def clone_from(source: str, target: Path):
    """A fetch as Playground's: ``git clone`` into the folder where Menagerie belongs."""
    def fetch() -> str | None:
        run = subprocess.run(["git", "clone", "-q", source, str(target)], capture_output=True, text=True)
        return None if run.returncode == 0 else run.stderr.strip() or f"git clone exited {run.returncode}"
    return fetch


@needs_git
def test_a_present_folder_is_used_as_it_is(tmp_path):
    folder = tmp_path / "external_deps" / "mujoco_menagerie"
    (folder / "unitree_go1").mkdir(parents=True)  # a stand-in: Playground only asks whether the folder exists
    menagerie = Menagerie(str(folder), COMMIT)
    # a fetch from nowhere would fail: the answer shows it was not tried
    assert ensure(menagerie, "Go1JoystickFlatTerrain", "locomotion",
                  clone_from(str(tmp_path / "nowhere.git"), folder)) == "present"
    assert [p.name for p in folder.iterdir()] == ["unitree_go1"]


@needs_git
def test_an_absent_folder_is_fetched(tmp_path):
    source = tmp_path / "menagerie-source"
    source.mkdir()
    git("init", "-q", cwd=source)
    (source / "README.md").write_text("stand-in\n")
    git("add", "README.md", cwd=source)
    git("commit", "-q", "-m", "stand-in", cwd=source)
    folder = tmp_path / "external_deps" / "mujoco_menagerie"
    menagerie = Menagerie(str(folder), COMMIT)
    assert not menagerie.present
    assert ensure(menagerie, "PandaPickCube", "manipulation", clone_from(source.as_uri(), folder)) == "fetched"
    assert (folder / "README.md").read_text() == "stand-in\n"


@needs_git
def test_an_absent_folder_whose_fetch_fails_is_refused_naming_where_and_how(tmp_path):
    folder = tmp_path / "site packages" / "external_deps" / "mujoco_menagerie"
    menagerie = Menagerie(str(folder), COMMIT)
    with pytest.raises(WorkloadSpecError) as caught:
        ensure(menagerie, "Go1JoystickFlatTerrain", "locomotion", clone_from((tmp_path / "nowhere.git").as_uri(), folder))
    line = str(caught.value)
    assert "\n" not in line and caught.value.exit_code == 2
    assert "Go1JoystickFlatTerrain" in line and "locomotion" in line and str(folder) in line
    # the commands it names put Menagerie at the path, at Playground's commit (the path quoted for the shell)
    assert f"git clone {URL} '{folder}' && git -C '{folder}' checkout {COMMIT}" in line
    assert not folder.exists()


def playground_menagerie() -> Menagerie:
    """Where the installed Playground looks for Menagerie, as it says itself."""
    code = ("import json; from mujoco_playground._src import mjx_env; "
            "print(json.dumps({'path': str(mjx_env.MENAGERIE_PATH), 'commit': mjx_env.MENAGERIE_COMMIT_SHA}))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT,
                         env={**os.environ, "JAX_PLATFORMS": "cpu"})
    assert run.returncode == 0, run.stderr[-2000:]
    return Menagerie(**json.loads(run.stdout.strip().splitlines()[-1]))


@pytest.mark.slow
@needs_git
def test_calibrate_refuses_a_locomotion_env_in_one_line_when_playgrounds_fetch_fails():
    pytest.importorskip("mujoco_playground")
    menagerie = playground_menagerie()
    if menagerie.present:
        pytest.skip(f"Menagerie is present at {menagerie.path}: there is nothing to fetch")
    # git refuses https here, so Playground's own clone fails on any machine, with or without the internet
    line = one_line_error(run_cli("calibrate", "brax", "--env", "Go1JoystickFlatTerrain", "--name", "loco", "--quick",
                                  env={"GIT_ALLOW_PROTOCOL": "file"}, timeout=600))
    assert "Go1JoystickFlatTerrain is a Playground locomotion env" in line and menagerie.path in line
    assert "fetching it as Playground does failed" in line and f"checkout {menagerie.commit}" in line
    assert not menagerie.present


@pytest.mark.slow
def test_a_small_locomotion_sweep_where_menagerie_is_present(advisor_home):
    pytest.importorskip("mujoco_playground")
    menagerie = playground_menagerie()
    if not menagerie.present:
        pytest.skip(f"MuJoCo Menagerie is not at {menagerie.path} (Playground clones it there on a machine with "
                    "the internet)")
    proc = run_cli("calibrate", "brax", "--env", "Go1JoystickFlatTerrain", "--name", "go1", "--quick",
                   "--num-envs", "4,8", "--batch-size", "8", "--num-minibatches", "2", "--unroll-length", "5",
                   "--num-updates-per-batch", "1", "--shapes", "", "--json", timeout=3000)
    assert proc.returncode == 0, proc.stderr[-3000:]
    section = json.loads(proc.stdout)["brax"]
    assert [p["status"] for p in section["points"]] == ["ok", "ok"]
    workload = section["workload"]
    assert workload["family"] == "locomotion" and workload["ppo_defaults"]["network_factory"]["value_obs_key"]
    rec = run_cli("recommend", "--kind", "brax", "--profile", "go1", "--target", "1M", "--batch-size", "8",
                  "--num-minibatches", "2", "--unroll-length", "5", "--num-updates-per-batch", "1", "--json")
    assert rec.returncode == 0, rec.stderr
    data = json.loads(rec.stdout)
    assert "locomotion_params.brax_ppo_config('Go1JoystickFlatTerrain', 'jax')" in data["python"]
