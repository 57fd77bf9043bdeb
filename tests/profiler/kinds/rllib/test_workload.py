"""RLlib CPU planning, default grids, the sweep's bookkeeping and the runner's clean-up (no Ray started)."""

import os
import time
from pathlib import Path

import pytest

from profiler.errors import WorkloadSpecError
from profiler.kinds.rllib.schema import RllibWorkload
from profiler.kinds.rllib.sweep import QUICK_GRID, RllibSweepSpec, make_grid, plan_cpus, point_from_child, ray_temp_dir
from profiler.kinds.rllib.workload import check_grid, default_runners, quick_workload, runner_cpus, sampled_env_steps
from profiler.runner import ChildResult, run_child
from tests.conftest import ROOT


def test_runner_cpus_never_ask_for_more_than_ray_has():
    assert runner_cpus(1, 2, 1) == 1.0
    assert runner_cpus(2, 2, 1) == 0.5  # two runners share the one CPU left after the driver
    assert runner_cpus(3, 2, 1) == 0.33
    assert runner_cpus(8, 16, 1) == 1.0 and runner_cpus(15, 16, 1) == 1.0
    assert runner_cpus(2, 2, 0) == 1.0  # --driver-cpus 0: every CPU for runners
    with pytest.raises(WorkloadSpecError, match="wait for ever"):
        runner_cpus(2, 2, 1, cpus_per_env_runner=1.0)
    with pytest.raises(WorkloadSpecError, match="none for env runners"):
        runner_cpus(1, 1, 1)
    with pytest.raises(WorkloadSpecError, match="fewer --runners"):
        runner_cpus(500, 2, 1)


def test_runner_cpus_fit_node_by_node_on_a_cluster():
    from profiler.kinds.rllib.workload import free_node_cpus, placeable

    # two 1-CPU nodes: 3 runners at an even 0.66 CPU fit one per node, so Ray would wait for the
    # third; 0.5 each fits two per node
    assert placeable(0.66, (1.0, 1.0)) == 2 and placeable(0.5, (1.0, 1.0)) == 4
    assert runner_cpus(3, 2, 0, node_cpus=(1.0, 1.0)) == 0.5
    # a 1-CPU and a 2-CPU node with 3 free: an even 0.6 places 1 + 3 = 4 < 5 runners; 0.5 places 2 + 4
    assert runner_cpus(5, 4, 1, node_cpus=(1.0, 2.0)) == 0.5
    assert runner_cpus(2, 4, 1, node_cpus=(1.0, 2.0)) == 1.0  # whole CPUs fit as they are
    with pytest.raises(WorkloadSpecError, match="could place 2 and would wait for ever"):
        runner_cpus(3, 2, 0, cpus_per_env_runner=0.66, node_cpus=(1.0, 1.0))
    # the driver's CPU comes off the node it runs on
    nodes = [{"node_id": "head", "cpus": 2.0}, {"node_id": "worker", "cpus": 2.0}, {"node_id": "dead", "cpus": None}]
    assert free_node_cpus(nodes, "head", 1.0) == (1.0, 2.0, 0.0)


def test_an_address_where_nothing_listens_is_refused_at_once():
    import socket

    from profiler.kinds.rllib.sweep import check_reachable

    with socket.socket() as sock:  # a port that was free a moment ago
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(WorkloadSpecError, match="nothing answers at --address"):
        check_reachable(f"127.0.0.1:{port}")
    assert time.monotonic() - started < 5
    check_reachable("auto")  # left to Ray


def test_default_runner_grid():
    assert default_runners(16, 1) == (1, 2, 4, 8, 15)  # the 16-core machine
    assert default_runners(9, 1) == (1, 2, 4, 8)
    assert default_runners(4, 1) == (1, 2, 3)
    assert default_runners(2, 1) == (1, 2, 3)  # three runner counts, the extra ones sharing a CPU
    assert default_runners(3, 1) == (1, 2, 3)
    assert make_grid((1, 2), (1, 2)) == ((1, 1), (2, 1), (1, 2), (2, 2))
    assert QUICK_GRID == ((1, 1), (2, 1), (1, 2))


def test_spec_and_plan_are_checked_before_anything_runs():
    workload = RllibWorkload()
    assert quick_workload(workload).train_batch_size_per_learner == 1024
    with pytest.raises(WorkloadSpecError, match="bigger --train-batch"):
        check_grid(RllibWorkload(train_batch_size_per_learner=16, minibatch_size=8), ((4, 8),))
    with pytest.raises(WorkloadSpecError, match="no points"):
        RllibSweepSpec(workload=workload, grid=())
    spec = RllibSweepSpec(workload=workload, grid=((1, 1), (4, 1)), cpus_per_env_runner=1.0)
    with pytest.raises(WorkloadSpecError, match="4 env runners x 1 CPUs"):
        plan_cpus(spec, ray_cpus=2)
    spec = RllibSweepSpec(workload=workload, grid=((1, 1), (4, 1)))
    assert plan_cpus(spec, ray_cpus=2) == {(1, 1): 1.0, (4, 1): 0.25}


def test_ray_temp_dir_keeps_socket_paths_short(tmp_path):
    short, elsewhere = ray_temp_dir(Path("/tmp/a"))
    assert short == Path("/tmp/a/ray-tmp") and not elsewhere
    deep = tmp_path / ("x" * 60) / "runs" / "profile-name"
    path, elsewhere = ray_temp_dir(deep)
    try:
        assert elsewhere and len(str(path)) + 64 < 107 and path.is_dir()
    finally:
        os.rmdir(path)
        os.rmdir("/tmp/a/ray-tmp")


def test_points_from_children():
    result = {"status": "ok", "env_steps_per_s_samples": [90.0, 110.0, 100.0], "num_cpus_per_env_runner": 0.5,
              "iter_s": 10.0, "sample_s": 8.0, "learner_s": 1.9, "cpu_util_percent": 97.0, "env_steps_per_iter": 1000,
              "node_ids": ["a", "b"], "node_ips": ["127.0.0.1", "127.0.0.1"], "startup_s": 20.0}
    point = point_from_child((2, 1), ChildResult(result, 0, False, 60.0, ""), 0.5)
    assert point.ok and point.env_steps_per_s == 100.0 and point.num_nodes == 2 and point.total_envs == 2
    timeout = point_from_child((2, 1), ChildResult(None, -9, True, 900.0, ""), 0.5, " (Ray's logs: /tmp/x)")
    assert timeout.status == "timeout" and "/tmp/x" in timeout.error
    crashed = point_from_child((2, 1), ChildResult(None, 1, False, 3.0, "boom\nRuntimeError: no"), 0.5)
    assert crashed.status == "error" and "RuntimeError: no" in crashed.error
    failed = point_from_child((2, 1), ChildResult({"status": "error", "error": "KeyError: x"}, 1, False, 3.0, ""), 0.5)
    assert failed.status == "error" and failed.error == "KeyError: x"
    assert sampled_env_steps({"env_runners": {"num_env_steps_sampled": 1024.0}}) == 1024
    with pytest.raises(KeyError, match="num_env_steps_sampled"):
        sampled_env_steps({})


def test_a_timeout_ends_processes_that_left_the_childs_process_group(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = run_child("tests.profiler.session_child", {}, tmp_path, "hang", timeout_s=5, env=env)
    assert child.timed_out
    grandchild = int((tmp_path / "hang.result.pid").read_text())
    for _ in range(50):
        if not Path(f"/proc/{grandchild}").exists() or "zombie" in _state(grandchild):
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"process {grandchild} survived its session's timeout")


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return "zombie"
