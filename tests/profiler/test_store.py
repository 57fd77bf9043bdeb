import json

import pytest

from profiler.errors import ProfileFormatError
from profiler.kinds.mjx.schema import MjxPoint, MjxSection, MjxWorkload
from profiler.profile import SCHEMA_VERSION, Accelerator, Profile
from profiler.store import load_profile_file, profile_path, save_profile


def make_profile(name="p1"):
    section = MjxSection(workload=MjxWorkload(), accelerator=Accelerator("cpu", "Test CPU", 2**34),
                         memory_source="host_peak_rss",
                         points=(MjxPoint(num_envs=16, train_sps=1000.0, train_sps_samples=(990.0, 1010.0),
                                          peak_bytes=5 * 2**20, compile_s=12.0),
                                 MjxPoint(num_envs=64, status="oom", error="RESOURCE_EXHAUSTED")))
    return Profile(name=name, sections={"mjx": section}, software={"jax": "0.10.2"})


def test_round_trip_is_exact(advisor_home):
    profile = make_profile()
    path = save_profile(profile)
    assert path == profile_path("p1") and path.parent == advisor_home / "profiles"
    loaded = load_profile_file(path)
    assert loaded == profile
    assert json.loads(path.read_text())["schema_version"] == SCHEMA_VERSION
    assert not list(path.parent.glob("*.tmp"))


@pytest.mark.parametrize("content,match", [
    (b"", "not valid JSON"),
    (b"{\"name\": \"p1\", \"schema_version\": 1, \"mjx\": {\"workload\"", "not valid JSON"),  # truncated
    (b"[1, 2, 3]", "not an advisor profile"),
    (b"{\"hello\": \"world\"}", "no integer schema_version"),
    (b"{\"schema_version\": 99, \"name\": \"x\"}", "newer than this advisor"),
    (b"{\"schema_version\": 1, \"name\": \"x\", \"mjx\": {\"workload\": {}, \"accelerator\": {\"platform\": \"cpu\", "
     b"\"name\": \"c\"}, \"points\": [{\"num_envs\": -4}]}}", r"mjx.points\[0\]"),
    (b"\xff\xfe\x00garbage", "not valid JSON"),
    (b"{\"schema_version\": 1, \"name\": \"x\", \"source\": \"stolen\"}", "source must be"),
])
def test_damaged_or_foreign_files_name_the_file_and_problem(advisor_home, content, match):
    path = profile_path("bad")
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    with pytest.raises(ProfileFormatError, match=match) as info:
        load_profile_file(path)
    assert str(path) in str(info.value)


def test_a_damaged_file_is_never_overwritten(advisor_home):
    path = profile_path("p1")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"{ broken")
    with pytest.raises(ProfileFormatError):
        save_profile(make_profile())
    assert path.read_bytes() == b"{ broken"


def test_names_are_file_names():
    for bad in ("../etc/passwd", "", ".hidden", "a/b", "x" * 80):
        with pytest.raises(ProfileFormatError, match="not allowed"):
            profile_path(bad)


def test_rllib_section_round_trips_and_older_files_still_load(advisor_home):
    from profiler.kinds.rllib.schema import RllibPoint, RllibSection, RllibWorkload

    section = RllibSection(RllibWorkload(), ray_cpus=2.0, requested_grid=((1, 1), (2, 1)),
                           points=(RllibPoint(1, 1, env_steps_per_s=400.0, env_steps_per_s_samples=(390.0, 410.0),
                                              node_ids=("n1",), node_ips=("127.0.0.1",), cpu_util_percent=80.0),
                                   RllibPoint(2, 1, status="timeout", error="ended at its timeout")))
    profile = Profile(name="both", sections={"mjx": make_profile().section("mjx"), "rllib": section})
    assert profile.kinds == ("mjx", "rllib")
    assert load_profile_file(save_profile(profile)) == profile
    older = json.loads(profile_path("both").read_text())
    del older["rllib"]  # a file written before RLlib sections existed: same schema_version
    profile_path("old").write_text(json.dumps(older))
    loaded = load_profile_file(profile_path("old"))
    assert loaded.section("rllib") is None and loaded.kinds == ("mjx",) and loaded.schema_version == SCHEMA_VERSION
    broken = json.loads(profile_path("both").read_text())
    broken["rllib"]["points"][0]["num_envs_per_env_runner"] = 0
    profile_path("bad").write_text(json.dumps(broken))
    with pytest.raises(ProfileFormatError, match=r"rllib.points\[0\]"):
        load_profile_file(profile_path("bad"))


def test_written_files_get_ordinary_permissions(tmp_path):
    import os

    from profiler.store import write_atomic

    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "conf.yaml", "a: 1\n")
    finally:
        os.umask(umask)
    assert (tmp_path / "conf.yaml").stat().st_mode & 0o777 == 0o644
