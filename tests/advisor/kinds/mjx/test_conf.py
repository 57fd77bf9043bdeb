"""conf.yaml emission and merging into a user's own LocoMuJoCo conf."""

from pathlib import Path

import pytest
import yaml

from advisor.errors import BadInput
from advisor.kinds.mjx.conf import emit_conf, merge_into
from advisor.kinds.mjx.recommend import recommend_mjx
from models.num_envs_curves import fit_vectorised
from tests.advisor.kinds.mjx.test_recommend import section

DATA = Path(__file__).resolve().parents[3] / "data"


@pytest.fixture
def rec():
    return recommend_mjx(fit_vectorised(section()), 100_000_000, profile="unit-test", profile_note="a test profile")


def test_emitted_conf_round_trips_through_safe_load(rec):
    text = emit_conf(rec)
    data = yaml.safe_load(text)
    assert data == {"experiment": {"num_envs": 8192, "num_minibatches": 128, "num_steps": 50, "update_epochs": 4,
                                   "total_timesteps": 100_000_000, "hidden_layers": [512, 256]}}
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert any("profile: unit-test (a test profile)" in line for line in header)
    assert any("predicted train_sps" in line and "interval" in line for line in header)
    assert any("time to target" in line and "compile" in line for line in header)
    assert any("peak memory" in line and "of 8.0 GiB" in line for line in header)


def test_merge_changes_only_the_tuned_keys_and_keeps_comments(rec):
    original = (DATA / "locomujoco_conf.yaml").read_text()
    values = {"num_envs": 8192, "num_minibatches": 128, "total_timesteps": 100_000_000}
    merged = merge_into(original, values, "conf.yaml")
    assert not merged.rewritten
    before, after = yaml.safe_load(original), yaml.safe_load(merged.text)
    assert after["experiment"] == {**before["experiment"], **values}
    assert after["wandb"] == before["wandb"]
    assert "# tuned by hand last week" in merged.text and "# keep my project name" in merged.text
    assert merged.changed == {"num_envs": (2048, 8192), "num_minibatches": (32, 128),
                              "total_timesteps": ("10e7", 100_000_000)}
    # only three lines differ
    diff = [(a, b) for a, b in zip(original.splitlines(), merged.text.splitlines()) if a != b]
    assert len(diff) == 3 and len(original.splitlines()) == len(merged.text.splitlines())


def test_merge_adds_missing_keys_and_block():
    merged = merge_into("experiment:\n  lr: 0.001\n", {"num_envs": 64, "num_minibatches": 1, "total_timesteps": 1000}, "c")
    assert yaml.safe_load(merged.text) == {"experiment": {"lr": 0.001, "num_envs": 64, "num_minibatches": 1,
                                                          "total_timesteps": 1000}}
    merged = merge_into("wandb:\n  project: x\n", {"num_envs": 64, "num_minibatches": 1, "total_timesteps": 1000}, "c")
    assert yaml.safe_load(merged.text)["experiment"]["num_envs"] == 64 and not merged.rewritten


def test_flow_style_falls_back_to_a_rewrite_and_says_so():
    merged = merge_into("{experiment: {num_envs: 4, lr: 0.1}}", {"num_envs": 64, "num_minibatches": 1,
                                                                  "total_timesteps": 1000}, "c")
    assert merged.rewritten and any("comments were not kept" in w for w in merged.warnings)
    assert yaml.safe_load(merged.text)["experiment"] == {"num_envs": 64, "lr": 0.1, "num_minibatches": 1,
                                                         "total_timesteps": 1000}


def test_validation_num_above_num_updates_is_warned():
    text = "experiment:\n  num_steps: 50\n  validation:\n    num: 10\n"
    merged = merge_into(text, {"num_envs": 65536, "num_minibatches": 1024, "total_timesteps": 10_000_000}, "c")
    # 10M // 50 // 65536 = 3 updates < 10 validations
    assert any("divides by zero" in w for w in merged.warnings)


@pytest.mark.parametrize("text,match", [("experiment: [1, 2]", "mapping"), ("- a\n- b\n", "mapping"),
                                        ("experiment:\n  a: [\n", "not valid YAML")])
def test_bad_base_conf_is_bad_input(text, match):
    with pytest.raises(BadInput, match=match):
        merge_into(text, {"num_envs": 1, "num_minibatches": 1, "total_timesteps": 1}, "my.yaml")


def test_yaml_safe_load_only():
    with pytest.raises(BadInput):
        merge_into("!!python/object/apply:os.system ['true']", {"num_envs": 1, "num_minibatches": 1,
                                                               "total_timesteps": 1}, "evil.yaml")
