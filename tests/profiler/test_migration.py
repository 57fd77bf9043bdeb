import json
from pathlib import Path

from profiler.profile import SCHEMA_VERSION
from profiler.store import load_profile_file, profile_path, save_profile

V1 = Path(__file__).resolve().parents[1] / "data" / "profile_v1_cpu.json"


def test_a_v1_profile_is_migrated_on_read_and_saved_as_current(advisor_home):
    raw = json.loads(V1.read_text())
    assert raw["schema_version"] == 1 and raw["mjx"]["requested_num_envs"] == [16, 64, 256]
    path = profile_path("old")
    path.parent.mkdir(parents=True)
    path.write_text(V1.read_text())
    profile = load_profile_file(path)
    assert profile.schema_version == SCHEMA_VERSION == 3 and profile.races == ()
    assert profile.section("mjx").requested_num_envs == (16, 64, 256)
    assert profile.section("mjx").sweep_settings["num_envs"] == [16, 64, 256]
    assert [p.train_sps for p in profile.section("mjx").points] == [p["train_sps"] for p in raw["mjx"]["points"]]
    save_profile(profile, path)
    saved = json.loads(path.read_text())
    assert saved["schema_version"] == 3 and "requested_num_envs" not in saved["mjx"] and "races" not in saved
    assert load_profile_file(path) == profile
