"""Reading scores and env steps from the real output of CleanRL's and Stable-Baselines3's PPO
(captured once; tests/data/race/README.md says how)."""

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profiler.trainers import score_format, trainer
from profiler.trainers.scores import ScoreFormat, SeriesReader, read_series, smoothed

PRESETS = {name: trainer(name).score_format for name in ("cleanrl", "sb3")}
DATA = Path(__file__).resolve().parents[1] / "data" / "race"
CLEANRL = (DATA / "cleanrl_ppo_cartpole.txt").read_text()
SB3 = (DATA / "sb3_ppo_cartpole.txt").read_text()


def test_cleanrl_episodes_are_read_with_their_global_step():
    pairs = read_series(CLEANRL, PRESETS["cleanrl"])
    lines = [line for line in CLEANRL.splitlines() if "episodic_return=" in line]
    assert len(pairs) == len(lines) == 437
    assert pairs[0] == (60, 15.0) and pairs[1] == (108, 27.0) and pairs[-1] == (19940, 20.0)
    steps = [s for s, _ in pairs]
    assert steps == sorted(steps)
    # every pair is the line's own two figures (returns printed as one-element arrays: "[15.]")
    for (step, score), line in zip(pairs, lines):
        found = re.match(r"global_step=(\d+), episodic_return=\[(\S+)\]", line)
        assert (step, score) == (int(found.group(1)), float(found.group(2)))
    # the SPS lines and tyro's warnings are no scores
    assert not any("SPS" in line for line in lines)


def test_sb3_tables_give_each_ep_rew_mean_its_own_tables_total_timesteps():
    pairs = read_series(SB3, PRESETS["sb3"])
    tables = SB3.split("| rollout/")[1:]
    assert len(pairs) == len(tables) == 40
    for (step, score), table in zip(pairs, tables):
        assert step == int(re.search(r"total_timesteps\s*\|\s*(\d+)", table).group(1))
        assert score == float(re.search(r"ep_rew_mean\s*\|\s*(\S+)", table).group(1))
    assert pairs[0] == (512, 21.5) and pairs[-1] == (20480, 162.0)


def test_the_cleanrl_preset_scores_the_mean_of_its_last_20_episodes():
    raw = read_series(CLEANRL, PRESETS["cleanrl"])
    smooth = smoothed(raw, PRESETS["cleanrl"].window)
    assert smooth[0] == raw[0]
    assert smooth[30][1] == pytest.approx(sum(s for _, s in raw[11:31]) / 20)
    assert [s for s, _ in smooth] == [s for s, _ in raw]


@given(st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=30))
def test_reading_line_by_line_in_any_chunks_equals_reading_the_whole(cuts):
    """What a running race reads as the output grows is what a finished log gives."""
    for text, fmt in ((CLEANRL, PRESETS["cleanrl"]), (SB3, PRESETS["sb3"])):
        lines = text.splitlines()
        reader = SeriesReader(fmt)
        at = 0
        for cut in cuts:
            for line in lines[at:at + cut]:
                reader.feed(line)
            at += cut
        for line in lines[at:]:
            reader.feed(line)
        assert reader.pairs == read_series(text, fmt)


def test_own_regexes_take_the_first_group_and_a_step_on_the_line_before():
    fmt = score_format(None, r"return: (\S+)", r"step (\d+)", None)
    text = "step 100\nreturn: 5.5\nnoise\nstep 200 return: 7\nreturn: nan\nreturn: 1e3\n"
    assert read_series(text, fmt) == [(100, 5.5), (200, 7.0), (200, 1000.0)]


def test_bad_formats_are_refused_naming_the_fix():
    with pytest.raises(ValueError, match="--preset"):
        score_format(None, r"x", None, None)
    with pytest.raises(ValueError, match="unknown"):
        score_format("rllib", None, None, None)
    with pytest.raises(ValueError, match="drop --score-regex"):
        score_format("sb3", "x", None, None)
    with pytest.raises(ValueError, match="not a regular expression"):
        ScoreFormat(score_regex="(", step_regex="x")
    assert score_format("cleanrl", None, None, 5).window == 5
