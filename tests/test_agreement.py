"""Numbers that agree with themselves, over every shipped profile and the test fixtures (none left
out), and over generated sections:

- every fitted interval holds the measured points it was fitted on at its stated rate (90%: with
  ten or fewer points, all of them), for throughput (num_envs curves, MJX and Brax phase models,
  RLlib env steps/s and speedup) and the peak-memory upper bound;
- a config that was measured is never answered outside its measurement's spread (the range of its
  timed iterations), in recommend's choice, its table and predict;
- the notes about the trend at the largest measured size say what the measurements show.
"""

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from advisor.catalog import load_shipped, shipped_names
from advisor.kinds.brax.recommend import fitted_phases, recommend_brax
from advisor.kinds.command.recommend import predict_rows, recommend_command
from advisor.kinds.mjx.config_prediction import fit_mjx, measured_point, predict_configs
from advisor.kinds.mjx.recommend import MjxConstraints, predict_mjx, recommend_mjx
from advisor.kinds.rllib.recommend import predict_rllib, recommend_rllib
from models.num_envs_curves import fit_vectorised
from models.scaling import rating
from models.scaling_intervals import scaling_intervals
from models.workers import fit_workers
from profiler.store import load_profile_file
from tests.advisor.kinds.command.profiles import command_profile
from tests.advisor.kinds.mjx.test_recommend import section as mjx_recommend_section
from tests.advisor.kinds.rllib.test_recommend import section as rllib_writeup_section
from tests.models.test_phases import section as phase_section
from tests.models.test_validation import section as validation_section
from tests.test_properties import sections as generated_mjx_sections

DATA = Path(__file__).resolve().parent / "data"
CONFIDENCE = 0.9


def _fixture_sections():
    """(label, kind, section) for every shipped profile's sections and every test fixture."""
    found = []
    for name in shipped_names():
        profile = load_shipped(name)
        for kind in ("mjx", "command", "brax", "rllib"):
            if profile.section(kind) is not None:
                found.append((f"{name}/{kind}", kind, profile.section(kind)))
    for path in sorted(DATA.glob("*.json")):
        profile = load_profile_file(path)
        for kind in ("mjx", "command", "brax", "rllib"):
            if profile.section(kind) is not None:
                found.append((f"tests/data/{path.name}/{kind}", kind, profile.section(kind)))
    found += [("fixture command profile", "command", command_profile().section("command")),
              ("fixture mjx recommend section", "mjx", mjx_recommend_section()),
              ("fixture mjx phase section", "mjx", phase_section()),
              ("fixture validation section", "mjx", validation_section()),
              ("fixture noisy validation section", "mjx", validation_section(noise=0.05)),
              ("fixture RLlib write-up", "rllib", rllib_writeup_section())]
    return found


SECTIONS = _fixture_sections()
SECTION_IDS = [label for label, _kind, _section in SECTIONS]


def _required(n: int) -> int:
    """Points that must be inside a 90% interval fitted on ``n`` points."""
    return math.ceil(CONFIDENCE * n - 1e-9)


def test_the_fixtures_cover_every_shipped_profile_and_every_kind():
    labels = " ".join(SECTION_IDS)
    assert all(name in labels for name in shipped_names())
    assert {kind for _label, kind, _section in SECTIONS} == {"mjx", "command", "brax", "rllib"}


@pytest.mark.parametrize(("label", "kind", "section"), SECTIONS, ids=SECTION_IDS)
def test_every_fitted_interval_holds_its_measured_points_at_the_stated_rate(label, kind, section):
    checked = 0
    if kind == "rllib":
        checked += _check_rllib(section)
    else:
        curves = fit_vectorised(section)
        if curves.throughput is not None:
            ok = section.ok_points
            n = np.array([p.num_envs for p in ok], dtype=float)
            low, high = curves.throughput.predict_interval(n)
            inside = [lo <= p.train_sps <= hi for p, lo, hi in zip(ok, low, high)]
            assert sum(inside) >= _required(len(ok)), (label, list(zip(n, inside)))
            checked += len(ok)
        for p in section.ok_points:  # the memory bound is an upper bound: it holds every measured peak
            if p.peak_bytes:
                _peak, upper, _basis = curves.peak_bytes(p.num_envs)
                assert upper is not None and p.peak_bytes <= upper, (label, p.num_envs, p.peak_bytes, upper)
                checked += 1
        if kind == "mjx":
            checked += _check_phases(section)
        if kind == "brax":
            checked += _check_brax_phases(section)
    assert checked > 0, label


def _check_phases(section) -> int:
    curves = fit_mjx(section)
    if curves.phases is None:
        return 0
    w = section.workload
    points = [p for p in section.ok_points if getattr(p, "has_phases", False)]
    rows = [(p.num_envs, p.num_steps or w.num_steps, p.num_minibatches or w.num_minibatches,
             p.update_epochs or w.update_epochs) for p in points]
    low, high = curves.phases.predict_interval(rows)
    inside = [lo <= p.train_sps <= hi for p, lo, hi in zip(points, low, high)]
    assert sum(inside) >= _required(len(points)), inside
    return len(points)


def _check_brax_phases(section) -> int:
    model = fitted_phases(section)
    points = section.all_ok_points
    x = [[p.num_envs, p.batch_size, p.num_minibatches, p.unroll_length, p.num_updates_per_batch, p.action_repeat]
         for p in points]
    low, high = model.predict_interval(x)
    measured = [p.env_steps_per_update / p.update_s for p in points]
    inside = [lo <= m <= hi for m, lo, hi in zip(measured, low, high)]
    assert sum(inside) >= _required(len(points)), inside
    return len(points)


def _check_rllib(section) -> int:
    curves = fit_workers(section)
    if curves.model is None:
        return 0
    keys = [p.key for p in section.ok_points]
    measured = np.array([p.env_steps_per_s for p in section.ok_points])
    iv = scaling_intervals(curves.model, keys)
    low, high = iv.env_steps_per_s
    inside = (low <= measured) & (measured <= high)
    assert inside.sum() >= _required(len(keys)), list(zip(keys, inside))
    base = section.point(1, 1)
    if iv.speedup is not None and base is not None and base.ok:
        speed = measured / base.env_steps_per_s
        inside = (iv.speedup[0] <= speed * (1 + 1e-12)) & (speed <= iv.speedup[1] * (1 + 1e-12))
        assert inside.sum() >= _required(len(keys)), list(zip(keys, inside))
    return len(keys)


@settings(max_examples=40)
@given(generated_mjx_sections())
def test_generated_sections_hold_their_points_at_the_stated_rate(section):
    curves = fit_vectorised(section)
    if curves.throughput is None:
        return
    ok = section.ok_points
    low, high = curves.throughput.predict_interval([p.num_envs for p in ok])
    assert sum(lo <= p.train_sps <= hi for p, lo, hi in zip(ok, low, high)) >= _required(len(ok))


def _within_spread(value: float, point, samples_field: str, measured_field: str) -> bool:
    samples = [v for v in getattr(point, samples_field) if v] or [getattr(point, measured_field)]
    lo, hi = min(samples + [getattr(point, measured_field)]), max(samples + [getattr(point, measured_field)])
    return lo * (1 - 1e-12) <= value <= hi * (1 + 1e-12)


TARGETS = (2_000_000, 100_000_000)


@pytest.mark.parametrize(("label", "kind", "section"), SECTIONS, ids=SECTION_IDS)
def test_a_measured_config_is_never_answered_outside_its_measurements_spread(label, kind, section):
    answered = 0
    if kind == "rllib":
        curves = fit_workers(section)
        if curves.model is None:
            return
        for objective in ("throughput", "efficiency"):
            rec = recommend_rllib(curves, 10_000_000, profile=label, objective=objective)
            for o in rec.options:
                point = section.point(o.num_env_runners, o.num_envs_per_env_runner)
                if point is not None and point.ok:
                    assert o.measured and _within_spread(o.env_steps_per_s, point, "env_steps_per_s_samples",
                                                         "env_steps_per_s"), (label, o)
                    assert o.env_steps_per_s_low <= o.env_steps_per_s <= o.env_steps_per_s_high
                    answered += 1
        base = section.point(1, 1)
        for row in predict_rllib(curves, sorted({p.num_env_runners for p in section.ok_points}),
                                 sorted({p.num_envs_per_env_runner for p in section.ok_points})):
            point = section.point(row["num_env_runners"], row["num_envs_per_env_runner"])
            if point is not None and point.ok:
                assert row["measured"] and row["env_steps_per_s"] == point.env_steps_per_s
                if base is not None and base.ok:  # rated as profile show rates the measurement
                    efficiency = point.env_steps_per_s / base.env_steps_per_s / point.total_envs
                    assert row["efficiency"] == pytest.approx(efficiency) and row["rating"] == rating(efficiency)
    elif kind == "mjx":
        curves = fit_mjx(section)
        if curves.throughput is None and curves.phases is None:
            return
        w = section.workload
        for target in TARGETS:
            for objective in ("efficient", "max-throughput"):
                rec = recommend_mjx(curves, target, profile=label, objective=objective,
                                    constraints=MjxConstraints(min_updates=0))
                for o in rec.options:
                    point = measured_point(section, o.num_envs, o.num_steps, o.num_minibatches, o.update_epochs)
                    assert o.measured == (point is not None)
                    if point is not None:
                        assert _within_spread(o.train_sps, point, "train_sps_samples", "train_sps"), (label, o)
                        answered += 1
        rows = [(p.num_envs, p.num_steps or w.num_steps, p.num_minibatches or w.num_minibatches,
                 p.update_epochs or w.update_epochs) for p in section.ok_points]
        for p, prediction in zip(section.ok_points, predict_configs(curves, rows)):
            assert prediction.measured and _within_spread(prediction.train_sps, p, "train_sps_samples", "train_sps")
            assert prediction.train_sps_low <= prediction.train_sps <= prediction.train_sps_high
            answered += 1
        if w.minibatch_size is None and all((p.num_minibatches or w.num_minibatches) == w.num_minibatches
                                            for p in section.ok_points):
            for row in predict_mjx(curves, [p.num_envs for p in section.ok_points]):
                assert row["measured"] and row["train_sps"] == section.point(row["num_envs"]).train_sps
    elif kind == "command":
        curves = fit_vectorised(section)
        if curves.throughput is None:
            return
        for objective in ("efficient", "max-throughput"):
            rec = recommend_command(curves, 10_000_000, profile=label, objective=objective)
            for o in rec.options:
                point = section.point(o.num_envs)
                if point is not None and point.ok:
                    assert o.measured and _within_spread(o.train_sps, point, "train_sps_samples", "train_sps")
                    answered += 1
        for row in predict_rows(curves, [p.num_envs for p in section.ok_points]):
            assert row["measured"] and row["train_sps"] == section.point(row["num_envs"]).train_sps
    elif kind == "brax":
        rec = recommend_brax(section, 60_000_000, profile=label)
        w = section.workload
        for o in rec.options:
            point = section.find((o.num_envs, rec.shape["batch_size"], rec.shape["num_minibatches"],
                                  rec.shape["unroll_length"]))
            if point is not None and point.ok and point.num_updates_per_batch == rec.shape["num_updates_per_batch"]:
                assert o.measured and _within_spread(o.train_sps, point, "train_sps_samples", "train_sps")
                answered += 1
        shape_rec = recommend_brax(section, 60_000_000, profile=label, batch_size=w.batch_size,
                                   num_minibatches=w.num_minibatches, unroll_length=w.unroll_length,
                                   num_updates_per_batch=w.num_updates_per_batch)
        measured_options = [o for o in shape_rec.options if section.point(o.num_envs) is not None]
        assert measured_options and all(o.measured for o in measured_options)
        for o in measured_options:
            assert _within_spread(o.train_sps, section.point(o.num_envs), "train_sps_samples", "train_sps")
            answered += 1
    assert answered > 0 or kind in ("command", "mjx") and label.startswith("fixture"), label


def _trend_notes(notes) -> list[str]:
    return [n for n in notes if "still rising" in n or "levelled off" in n or "still rises" in n]


@pytest.mark.parametrize(("label", "kind", "section"), SECTIONS, ids=SECTION_IDS)
def test_notes_about_the_largest_measured_size_say_what_the_measurements_show(label, kind, section):
    if kind == "rllib":
        curves = fit_workers(section)
        if curves.model is None:
            return
        rec = recommend_rllib(curves, 10_000_000, profile=label)
        for note in _trend_notes(rec.notes):
            c = rec.chosen
            runners = sorted(p.num_env_runners for p in section.ok_points
                             if p.num_envs_per_env_runner == c.num_envs_per_env_runner)
            top, below = section.point(c.num_env_runners, c.num_envs_per_env_runner), \
                [r for r in runners if r < c.num_env_runners]
            if top is not None and below:
                assert top.env_steps_per_s > section.point(below[-1], c.num_envs_per_env_runner).env_steps_per_s, note
        return
    ok = sorted(section.ok_points, key=lambda p: p.num_envs)
    if kind == "mjx":
        curves = fit_mjx(section)
        if curves.throughput is None:
            return
        notes = [n for target in TARGETS for n in recommend_mjx(curves, target, profile=label,
                                                                 constraints=MjxConstraints(min_updates=0)).notes]
    elif kind == "command":
        curves = fit_vectorised(section)
        if curves.throughput is None:
            return
        notes = list(recommend_command(curves, 10_000_000, profile=label).notes)
    else:
        notes = list(recommend_brax(section, 60_000_000, profile=label).notes)
    for note in _trend_notes(notes):
        last, before = ok[-1], ok[-2]
        assert f"({last.num_envs}" in note, note
        if "still rising" in note:
            assert last.train_sps > before.train_sps, note
        else:
            assert last.train_sps <= before.train_sps, note


def test_the_cpu_humanoid_profile_says_its_throughput_levelled_off():
    # the CPU humanoid profile shipped until 2026-12-05: 256 envs measured 5,981 env steps/s, below
    # 128's 6,665: not "still rising"
    curves = fit_mjx(load_profile_file(Path(__file__).parent / "data" / "cpu_humanoid_levelled_off.json").section("mjx"))
    notes = recommend_mjx(curves, 100_000_000, profile="epyc-2core-cpu-humanoid").notes
    assert not any("still rising" in n for n in notes)
    assert any("levelled off" in n and "(256) ran at 5,981" in n for n in notes)
