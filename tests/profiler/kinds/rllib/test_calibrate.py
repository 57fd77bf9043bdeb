"""Real RLlib sweeps through the CLI: a quick local sweep, an interrupted-and-resumed sweep of a
user's own env, and a sweep against a real two-node Ray cluster on loopback."""

import json
import os
import signal
import subprocess
import sys

import psutil
import pytest

from tests.conftest import run_cli
from tests.profiler.test_faults import wait_for


def cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def point_family(proc: subprocess.Popen, stem: str) -> list[psutil.Process]:
    """The sweep's child for the point named ``stem`` and everything it started."""
    try:
        children = psutil.Process(proc.pid).children(recursive=True)
    except psutil.Error:
        return []
    family = []
    for child in children:
        if any(f"{stem}.spec.json" in arg for arg in cmdline(child)):
            try:
                family += [child, *child.children(recursive=True)]
            except psutil.Error:
                pass
    return family


def live(pids: list[int]) -> list[int]:
    """Those of ``pids`` that still run (a zombie has ended)."""
    alive = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.append(pid)
        except psutil.Error:
            pass
    return alive

pytestmark = pytest.mark.slow


def rllib_points(home, name):
    path = home / "profiles" / f"{name}.json"
    try:
        return json.loads(path.read_text())["rllib"]["points"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError):
        return []


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    home = tmp_path_factory.mktemp("rllib-home")
    env = {"ADVISOR_HOME": str(home), "COLUMNS": "200"}
    proc = run_cli("calibrate", "rllib", "--quick", "--name", "rq", env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return env, proc


def test_quick_sweep_measures_every_point(quick):
    env, proc = quick
    assert "saved profile rq" in proc.stdout
    profile = json.loads(run_cli("profile", "show", "rq", "--json", env=env).stdout)
    points = profile["rllib"]["points"]
    assert sorted((p["num_env_runners"], p["num_envs_per_env_runner"]) for p in points) == [(1, 1), (1, 2), (2, 1)]
    for p in points:
        assert p["status"] == "ok" and p["env_steps_per_s"] > 0 and len(p["env_steps_per_s_samples"]) == 2
        assert p["iter_s"] > 0 and p["learner_s"] >= 0 and len(p["node_ids"]) == p["num_env_runners"]
    assert profile["rllib"]["workload"]["env_id"] == "HalfCheetah-v5"


def test_quick_sweep_records_what_else_ran_with_every_point(quick):
    env, _ = quick
    profile = json.loads(run_cli("profile", "show", "rq", "--json", env=env).stdout)
    for p in profile["rllib"]["points"]:
        contention = p["contention"]
        assert contention["window_s"] > 0 and contention["other_cpu_cores"] >= 0
        assert contention["threshold_cpu_cores"] == 0.25 and contention["load_avg_1m"] > 0


def test_quick_profile_drives_recommend_predict_and_report(quick, tmp_path):
    env, _ = quick
    rec = run_cli("recommend", "--kind", "rllib", "--profile", "rq", "--target", "1M", "--json", env=env)
    assert rec.returncode == 0, rec.stderr
    chosen = json.loads(rec.stdout)["chosen"]
    assert chosen["num_env_runners"] in (1, 2)
    rows = json.loads(run_cli("predict", "--profile", "rq", "--runners", "1,2", "--envs-per-runner", "1", "--json",
                              env=env).stdout)
    assert [set(r) >= {"num_env_runners", "num_envs_per_env_runner", "env_steps_per_s", "speedup", "efficiency"}
            for r in rows] == [True, True]
    assert rows[0]["speedup"] == pytest.approx(1.0)
    report = run_cli("report", "--profile", "rq", "-o", str(tmp_path / "report"), env=env)
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "report" / "rq-dashboard.png").stat().st_size > 10_000


def test_a_users_own_env_sweep_survives_sigterm_resumes_and_is_recommended(advisor_home, tmp_path):
    """A user's env by entry point, interrupted with SIGTERM mid-sweep, resumed, then recommended.

    The tiny env module sits in the folder the user runs advisor from (not on sys.path of the
    measuring child, which runs in its own folder, nor of Ray's env runners)."""
    import shutil

    from tests.profiler.kinds.rllib.test_env_entry import TINY

    work = tmp_path / "project"
    work.mkdir()
    shutil.copy(TINY, work / "my_tiny_env.py")
    env = {"ADVISOR_HOME": str(advisor_home), "COLUMNS": "200"}
    args = ["calibrate", "rllib", "--quick", "--env", "my_tiny_env:TinyEnv", "--name", "rr", "--runners", "1,2",
            "--envs-per-runner", "1"]
    proc = subprocess.Popen([sys.executable, "-m", "advisor", *args], cwd=work, env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: any(p["status"] == "ok" for p in rllib_points(advisor_home, "rr")), timeout=300,
             what="the first point")
    # the second point's child has started its Ray session (however slowly on a loaded machine)
    wait_for(lambda: any("raylet" in " ".join(cmdline(c)) for c in point_family(proc, "r2-e1")), timeout=300,
             what="the second point's Ray session")
    family = [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "--resume" in err, err
    statuses = sorted((p["num_env_runners"], p["status"]) for p in rllib_points(advisor_home, "rr"))
    assert statuses == [(1, "ok"), (2, "interrupted")]
    wait_for(lambda: not live(family), timeout=60, what="the sweep's Ray processes to end")
    alive = live(family)
    assert alive == [], [psutil.Process(pid).cmdline()[:3] for pid in alive]  # no Ray process outlives the sweep
    first = rllib_points(advisor_home, "rr")[0]
    resumed = run_cli(*args, "--resume", env=env, cwd=work, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    final = rllib_points(advisor_home, "rr")
    assert [(p["num_env_runners"], p["status"]) for p in final] == [(1, "ok"), (2, "ok")]
    assert final[0] == first
    assert all(p["env_steps_per_s"] > 0 for p in final)

    section = json.loads(run_cli("profile", "show", "rr", "--json", env=env).stdout)["rllib"]
    assert section["workload"]["env_id"] == "my_tiny_env:TinyEnv"
    rec = run_cli("recommend", "--kind", "rllib", "--profile", "rr", "--target", "1M", "-o", str(work / "ppo.py"),
                  env=env)
    assert rec.returncode == 0, rec.stderr
    snippet = (work / "ppo.py").read_text()
    assert 'register_env("my_tiny_env:TinyEnv", lambda env_config: load_env_creator("my_tiny_env:TinyEnv")' in snippet
    compile(snippet, "ppo.py", "exec")


def test_sweep_on_a_two_node_ray_cluster_uses_both_nodes(advisor_home, tmp_path):
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    from ray.cluster_utils import Cluster

    os.makedirs("/tmp/ray", exist_ok=True)  # Ray records the cluster's address there
    # SPREAD puts one runner on each node, where Ray's default scheduling would put both on the
    # driver's node (it fills a node up to half its CPUs before using another)
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 4, "include_dashboard": False})
    try:
        cluster.add_node(num_cpus=4)
        cluster.wait_for_nodes(timeout=120)
        env = {"ADVISOR_HOME": str(advisor_home), "COLUMNS": "200", "RAY_AUTH_MODE": "disabled"}
        proc = run_cli("calibrate", "rllib", "--quick", "--name", "cl", "--address", cluster.address,
                       "--runners", "2", "--envs-per-runner", "1", env=env, timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        [point] = rllib_points(advisor_home, "cl")
        assert point["status"] == "ok" and point["num_env_runners"] == 2
        assert len(set(point["node_ids"])) == 2  # one runner on each node
        assert point["num_cpus_per_env_runner"] == 1.0
        section = json.loads(run_cli("profile", "show", "cl", "--json", env=env).stdout)["rllib"]
        assert section["num_nodes"] == 2 and section["address"] == cluster.address
        assert section["driver_cpus"] == 1.0 and "SPREAD" in section["method"]
    finally:
        cluster.shutdown()
