"""The contention record: sampled from real processes, stored with points, read back from old
profiles unchanged, and noted by every fit that rests on marked points."""

import dataclasses
import json
import subprocess
import sys
import time

import pytest

from advisor import catalog
from models.num_envs_curves import fit_vectorised as fit_mjx
from models.workers import fit_workers as fit_rllib
from profiler.contention import Contention, contention_note
from profiler.contention_sampler import ContentionSampler
from profiler.store import load_profile_file, profile_path, save_profile
from tests.conftest import run_cli
from tests.profiler.test_migration import V1

BURN = "import time\nend = time.time() + 30\nwhile time.time() < end: pass"


def test_a_burning_neighbour_is_counted_and_our_own_tree_is_not():
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    neighbour = subprocess.Popen([sys.executable, "-c", BURN])
    try:
        # the sleeper stands for the sweep: the test process (and the burner it started) are not its tree
        sampler = ContentionSampler(root_pid=sleeper.pid, interval_s=0.2).start()
        start = time.time()
        time.sleep(2.0)
        end = time.time()
        contention = sampler.judge({"timed_unix_s": [start, end]})
        sampler.stop()
        assert contention.contended and contention.other_cpu_cores > 0.25
        first, last = sampler.window(start, end)
        with sampler.lock:  # the neighbour's CPU is in the others' total (however busy the machine is)
            burned = sum(s.deltas.get(neighbour.pid, ("", 0.0))[1] for s in sampler.snapshots if first.at < s.at <= last.at)
        assert 0.05 < burned <= contention.other_cpu_cores * contention.window_s + 0.01
        assert contention.window_s >= 2.0 and contention.other_cpu_cores_before is None  # nothing sampled before

        # seen from the test process's own tree, its burning child is ours and is left out
        ours = ContentionSampler(interval_s=0.2).start()
        start = time.time()
        time.sleep(1.5)
        assert ours.judge({"timed_unix_s": [start, time.time()]}) is not None
        ours.stop()
        with ours.lock:
            assert not any(neighbour.pid in s.deltas for s in ours.snapshots)
    finally:
        for proc in (sleeper, neighbour):
            proc.kill()
            proc.wait(timeout=10)


def test_a_point_without_a_timed_window_gets_no_record():
    sampler = ContentionSampler().start()
    assert sampler.judge({"status": "error"}) is None and sampler.judge(None) is None
    sampler.stop()


def busy(cores: float) -> Contention:
    return Contention(other_cpu_cores=cores, window_s=1.0)


def test_threshold_and_gpu_neighbours_mark_a_point():
    assert not busy(0.2).contended and busy(0.3).contended
    assert Contention(other_cpu_cores=0.0, gpu_other_processes=1).contended
    with pytest.raises(ValueError):
        Contention(other_cpu_cores=-1.0)


def test_old_profiles_load_unchanged_and_records_round_trip(advisor_home):
    path = profile_path("old")
    path.parent.mkdir(parents=True)
    path.write_text(V1.read_text())
    old = load_profile_file(path)
    assert all(p.contention is None for p in old.section("mjx").points)
    marked = mark_all(old, "mjx", 1.1)
    save_profile(marked, path)
    assert json.loads(path.read_text())["mjx"]["points"][0]["contention"]["other_cpu_cores"] == 1.1
    assert load_profile_file(path) == marked


def mark_all(profile, kind: str, cores: float):
    section = profile.section(kind)
    points = tuple(dataclasses.replace(p, contention=busy(cores)) for p in section.points)
    return profile.with_section(kind, dataclasses.replace(section, points=points))


def test_fits_say_when_they_rest_on_marked_points():
    mjx = catalog.load_shipped("epyc-2core-cpu-humanoid")
    assert not any("other processes were busy" in n for n in fit_mjx(mjx.section("mjx")).notes)
    notes = fit_mjx(mark_all(mjx, "mjx", 0.9).section("mjx")).notes
    [note] = [n for n in notes if "other processes were busy" in n]
    assert "--strict" in note and "0.90 cores" in note
    assert not any("busy" in n for n in fit_mjx(mark_all(mjx, "mjx", 0.1).section("mjx")).notes)  # below the threshold
    rllib = catalog.load_shipped("epyc-2core-cpu-halfcheetah")
    [note] = [n for n in fit_rllib(mark_all(rllib, "rllib", 2.0).section("rllib")).notes if "busy" in n]
    assert "2 of 2 points" not in note and "2.00 cores" in note


def test_note_names_the_marked_points():
    note = contention_note([("num_envs 16", busy(0.1)), ("num_envs 64", busy(0.5)), ("num_envs 256", None)])
    assert "1 of 3 points" in note and "num_envs 64" in note and "num_envs 16" not in note
    assert contention_note([("a", None)]) is None


def test_validate_and_recommend_print_the_note(advisor_home):
    profile = mark_all(catalog.load_shipped("epyc-2core-cpu-humanoid"), "mjx", 1.5)
    profile = dataclasses.replace(profile, name="busy", source="calibrated")
    path = profile_path("busy")
    path.parent.mkdir(parents=True)
    save_profile(profile, path)
    validate = run_cli("validate", "--profile", "busy")
    assert validate.returncode == 0, validate.stderr
    assert "other processes were busy" in validate.stdout
    data = json.loads(run_cli("validate", "--profile", "busy", "--json").stdout)
    marked = data["contended"]["mjx"]
    assert marked["points"] == [p.num_envs for p in profile.section("mjx").ok_points] and "--strict" in marked["note"]
    rec = json.loads(run_cli("recommend", "--profile", "busy", "--target", "10M", "--json").stdout)
    assert any("other processes were busy" in n for n in rec["notes"])


def test_the_explorer_says_when_its_fit_rests_on_marked_points(advisor_home, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.test_app import APP

    profile = dataclasses.replace(mark_all(catalog.load_shipped("epyc-2core-cpu-humanoid"), "mjx", 1.5), name="busy")
    path = profile_path("busy")
    path.parent.mkdir(parents=True)
    save_profile(profile, path)
    monkeypatch.setenv("ADVISOR_EXPLORE_PROFILE", "busy")
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("other processes were busy" in c.value for c in at.caption)
