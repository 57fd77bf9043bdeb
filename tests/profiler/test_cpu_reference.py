"""The CPU's own speed beside every point: a fixed reference loop's thread CPU time, which waiting
for a core leaves out; recorded with each point and each command run, and said by the fits,
validate, calibrate and doctor where it changed."""

import dataclasses
import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from advisor import catalog
from models.num_envs_curves import fit_vectorised as fit_mjx
from profiler.contention import Contention, speed_note
from profiler.contention_sampler import ContentionSampler
from profiler.cpu_reference import STEADY_SPREAD, cpu_speed_note, slow_spell_note, slowdown
from profiler.diagnose_load import check_cpu_speed, judge_cpu_speed
from profiler.serde import from_jsonable, to_jsonable
from profiler.store import profile_path, save_profile
from tests.conftest import ROOT, run_cli

CROWDED = r"""
import json, os, subprocess, sys, time
from profiler.cpu_reference import reference_pass
os.sched_setaffinity(0, {0})

def measure():
    cpu, start = [], time.perf_counter()
    for _ in range(60):
        cpu.append(reference_pass())
    return sorted(cpu)[len(cpu) // 2], (time.perf_counter() - start) / sum(cpu)

burn = "import os, time\nos.sched_setaffinity(0, {0})\nend = time.time() + 30\nwhile time.time() < end: pass"
alone, crowded = [measure()], []
for _ in range(2):
    burners = [subprocess.Popen([sys.executable, "-c", burn]) for _ in range(2)]
    time.sleep(0.3)
    crowded.append(measure())
    for b in burners:
        b.kill()
        b.wait()
    alone.append(measure())
print(json.dumps({"alone": alone, "crowded": crowded}))
"""


def test_waiting_for_a_core_does_not_lengthen_the_reference_pass():
    # the passes share one CPU with two burners: they wait for it (wall time about 3x their CPU
    # time), yet each pass's CPU time is about what it is alone, so a sweep's own program keeping
    # every core busy does not read as a slow CPU
    done = subprocess.run([sys.executable, "-c", CROWDED], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert all(ratio > 1.8 for _, ratio in data["crowded"]), data  # they did wait
    # each crowded measurement against the alone ones just before and after it: a slow spell of a
    # shared host can lengthen a pass by a quarter to a third for a while, alone or crowded alike
    alone = [ms for ms, _ in data["alone"]]
    assert all(ms / max(alone[i], alone[i + 1]) < 1.35 for i, (ms, _) in enumerate(data["crowded"])), data


def test_a_sampled_window_records_the_cpus_reference_pass():
    import time

    sampler = ContentionSampler(interval_s=0.1).start()
    start = time.time()
    time.sleep(1.0)
    contention = sampler.judge({"timed_unix_s": [start, time.time()]})
    sampler.stop()
    assert contention is not None and 0.01 < contention.reference_ms < 1000
    assert to_jsonable(contention)["reference_ms"] == contention.reference_ms


def at(ms: float | None, steady: float | None = None) -> Contention:
    return Contention(other_cpu_cores=0.0, window_s=1.0, reference_ms=ms, steady_ms=steady)


def test_the_note_names_the_slowest_and_fastest_points_only_beyond_the_threshold():
    assert cpu_speed_note([("num_envs 1", 2.0), ("num_envs 8", 2.0 * (1 + STEADY_SPREAD) - 1e-9)]) is None
    note = cpu_speed_note([("num_envs 1", 2.2), ("num_envs 2", None), ("num_envs 8", 3.0), ("num_envs 16", 2.4)])
    assert "36% slower" in note and "num_envs 8: 3.00 ms" in note and "2.20 ms at num_envs 1" in note
    assert "advisor doctor" in note
    assert cpu_speed_note([("a", 2.0)]) is None and cpu_speed_note([("a", None), ("b", None)]) is None
    assert speed_note([("num_envs 1", at(2.0)), ("num_envs 8", None), ("num_envs 16", at(2.6))]) is not None


def test_a_sweep_wholly_in_a_slow_spell_is_said_against_the_machines_steady_pass():
    # this VM's trainers benchmark: every point of a calibration at 1.72-1.78 ms where the machine's
    # record had 1.47 ms; the points agree with each other, so the spread between them says nothing
    spell = [("num_envs 1", 1.78, 1.47), ("num_envs 2", 1.75, 1.47), ("num_envs 4", None, 1.47), ("num_envs 8", 1.72, 1.46)]
    assert cpu_speed_note([(label, ms) for label, ms, _ in spell]) is None
    note = slow_spell_note(spell)
    assert "19% slower than its steady speed here" in note and "1.75 ms" in note and "1.47 ms" in note
    assert "advisor doctor" in note and "docs/measuring.md" in note
    assert slow_spell_note([("a", 1.60, 1.47), ("b", 1.55, 1.47)]) is None  # 7%: the VM's own load moves it so
    assert slow_spell_note([("a", 3.0, None), ("b", None, 2.0)]) is None  # nothing to compare
    assert slow_spell_note([]) is None


@given(st.lists(st.tuples(st.floats(0.5, 5.0), st.floats(0.5, 5.0)), min_size=1, max_size=12))
def test_the_slow_spell_note_follows_the_median_point_against_its_steady_pass(pairs):
    import statistics

    note = slow_spell_note([(f"p{i}", ms, steady) for i, (ms, steady) in enumerate(pairs)])
    assert (note is not None) == (statistics.median(ms / steady for ms, steady in pairs) - 1 > STEADY_SPREAD)


@given(st.lists(st.floats(min_value=0.01, max_value=1000.0), min_size=2, max_size=12))
def test_slowdown_is_the_slowest_over_the_fastest_and_the_note_agrees_with_it(values):
    change = slowdown(values)
    assert change >= 0 and abs((1 + change) * min(values) - max(values)) <= 1e-9 * max(values)
    note = cpu_speed_note([(f"p{i}", v) for i, v in enumerate(values)])
    assert (note is not None) == (change > STEADY_SPREAD)


@given(st.one_of(st.none(), st.floats(min_value=1e-6, max_value=1e5)),
       st.one_of(st.none(), st.floats(min_value=1e-6, max_value=1e5)))
def test_a_record_with_a_reference_pass_round_trips(ms, steady):
    record = at(ms, steady)
    assert from_jsonable(Contention, json.loads(json.dumps(to_jsonable(record)))) == record


def test_a_negative_or_infinite_reference_pass_is_refused():
    for bad in (-1.0, float("inf")):
        with pytest.raises(ValueError):
            at(bad)
        with pytest.raises(ValueError):
            at(2.0, bad)


def slowed(profile, kind: str, fast_ms: float, slow_ms: float):
    """``profile`` with every point's record at ``fast_ms`` but the largest one's at ``slow_ms``."""
    section = profile.section(kind)
    last = max(p.num_envs for p in section.points)
    points = tuple(dataclasses.replace(p, contention=at(slow_ms if p.num_envs == last else fast_ms))
                   for p in section.points)
    return profile.with_section(kind, dataclasses.replace(section, points=points))


def saved_as(profile, name: str) -> None:
    """``profile`` saved in the advisor home as the calibrated profile ``name``."""
    path = profile_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_profile(dataclasses.replace(profile, name=name, source="calibrated"), path)


def said_everywhere(profile, name: str, said: str) -> None:
    """``profile`` saved as ``name``: validate (text and JSON) and recommend each carry a note with ``said``."""
    saved_as(profile, name)
    validate = run_cli("validate", "--profile", name)
    assert validate.returncode == 0, validate.stderr
    assert f"note: {said}" in " ".join(validate.stdout.split())
    data = json.loads(run_cli("validate", "--profile", name, "--json").stdout)
    [spoken] = data["cpu_speed"]["mjx"]
    assert said in spoken
    rec = json.loads(run_cli("recommend", "--profile", name, "--target", "10M", "--json").stdout)
    assert any(said in n for n in rec["notes"])


def test_fits_validate_and_recommend_say_when_the_cpu_slowed(advisor_home):
    shipped = catalog.load_shipped("epyc-2core-cpu-humanoid")
    assert not any("CPU itself" in n for n in fit_mjx(slowed(shipped, "mjx", 2.0, 2.1).section("mjx")).notes)
    profile = slowed(shipped, "mjx", 2.0, 2.7)
    [note] = [n for n in fit_mjx(profile.section("mjx")).notes if "CPU itself" in n]
    assert "35% slower" in note
    said_everywhere(profile, "slowed", "the CPU itself ran up to 35% slower")


def test_fits_validate_and_recommend_say_when_the_whole_sweep_ran_in_a_slow_spell(advisor_home):
    shipped = catalog.load_shipped("epyc-2core-cpu-humanoid")
    section = shipped.section("mjx")

    def every_point(ms: float, steady: float):
        return dataclasses.replace(section, points=tuple(dataclasses.replace(p, contention=at(ms, steady))
                                                         for p in section.points))

    assert not any("CPU itself" in n for n in fit_mjx(every_point(2.1, 2.0)).notes)
    [note] = [n for n in fit_mjx(every_point(2.6, 2.0)).notes if "CPU itself" in n]
    assert note.startswith("the CPU itself ran 30% slower than its steady speed here")
    said_everywhere(shipped.with_section("mjx", every_point(2.6, 2.0)), "spell",
                    "the CPU itself ran 30% slower than its steady speed here")


def test_validate_says_a_slow_spell_of_a_kind_too_small_to_validate(advisor_home):
    # two points: leave-one-out has nothing to predict, but how they were measured still holds
    shipped = catalog.load_shipped("epyc-2core-cpu-humanoid")
    section = shipped.section("mjx")
    two = tuple(dataclasses.replace(p, contention=at(2.6, 2.0), update_phases=())  # no phase model either
                for p in section.ok_points[:2])
    saved_as(shipped.with_section("mjx", dataclasses.replace(section, points=two)), "two")
    text = " ".join(run_cli("validate", "--profile", "two").stdout.split())
    assert "nothing to validate" in text and "note: the CPU itself ran 30% slower than its steady speed" in text
    data = json.loads(run_cli("validate", "--profile", "two", "--json").stdout)
    assert data["curves"] == [] and "30% slower" in data["cpu_speed"]["mjx"][0] and data["contended"]["mjx"] == {"points": [], "note": None}


def test_doctor_times_the_cpu_and_warns_when_its_speed_changes():
    check = check_cpu_speed(0.5)
    assert check.name == "CPU speed" and check.status in ("ok", "warn") and "ms per pass" in check.detail
    assert judge_cpu_speed([2.0, 2.1, 2.05], 2.0).status == "ok"
    warned = judge_cpu_speed([2.0, 2.9, 2.1], 2.0)
    assert warned.status == "warn" and "45% slower" in warned.detail
    assert judge_cpu_speed([], 2.0).status == "warn"
    doctor = json.loads(run_cli("doctor", "--json").stdout)
    assert any(c["name"] == "CPU speed" for c in doctor["checks"])


def test_the_machine_record_keeps_its_newest_passes_and_its_steady_pass_is_the_fastest_tenth(tmp_path):
    from profiler.cpu_reference import HISTORY, MachineSpeed

    speed = MachineSpeed.load(tmp_path)
    assert speed.steady_ms() is None
    for ms in (2.5, 2.0, 3.0):
        speed.add(ms)
    speed.add(float("nan"))
    speed.add(-1.0)
    assert speed.steady_ms() == 2.0  # fewer than ten: the fastest
    speed.save()
    other = MachineSpeed.load(tmp_path)  # a second sweep on the machine adds its own meanwhile
    other.add(1.0)
    speed.add(2.2)
    speed.save()
    other.save()
    merged = MachineSpeed.load(tmp_path)
    assert sorted(merged.passes) == [1.0, 2.0, 2.2, 2.5, 3.0]
    for i in range(HISTORY + 5):
        merged.add(2.0 + (i % 10) / 10)
    merged.save()
    kept = MachineSpeed.load(tmp_path).passes
    assert len(kept) == HISTORY and kept[-1] == 2.4  # the newest
    assert MachineSpeed.load(tmp_path).steady_ms() == 2.0  # the slowest of the fastest tenth
    (tmp_path / "cpu_speed.json").write_text("{not json")
    assert MachineSpeed.load(tmp_path).steady_ms() is None  # a damaged record counts as empty


def test_the_record_keeps_a_month_of_passes_so_a_night_in_one_slow_spell_does_not_become_the_steady_pass(tmp_path):
    import time

    from profiler.cpu_reference import WINDOW_DAYS, MachineSpeed, machine_key

    now = time.time()
    path = tmp_path / "cpu_speed.json"
    # a record an older advisor wrote (no times) is read, and kept until newer passes push it out
    path.write_text(json.dumps({machine_key(): [1.5, 1.45], "other machine": [9.0, "x", True, -1.0]}))
    speed = MachineSpeed.load(tmp_path)
    assert speed.passes == [1.5, 1.45] and speed.times == [None, None]
    speed.add(1.4, at=now - (WINDOW_DAYS + 1) * 86400)  # older than the window: dropped
    for i in range(300):  # a week of steady runs ...
        speed.add(1.45 + (i % 5) / 100, at=now - 7 * 86400 + i)
    for i in range(250):  # ... then a night of benchmarks, all in a slow spell
        speed.add(1.75 + (i % 5) / 100, at=now - 3600 + i)
    speed.save()
    record = MachineSpeed.load(tmp_path)
    assert len(record.passes) == 2 + 300 + 250 and 1.4 not in record.passes
    assert record.steady_ms() <= 1.48  # the night did not become the machine's usual speed
    assert record.times[-1] == pytest.approx(now - 3600 + 249) and record.times[0] is None
    saved = json.loads(path.read_text())
    assert saved["other machine"] == [9.0]  # another machine's list is kept, its foreign entries not
    assert saved[machine_key()][0] == 1.5 and saved[machine_key()][-1][0] == 1.79


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=3),
                           lambda inner: st.lists(inner, max_size=3), max_leaves=6)


@given(kept=st.lists(st.tuples(st.floats(0.01, 100.0), st.one_of(st.none(), st.floats(0, 2e9))), max_size=20),
       foreign=st.lists(json_values, max_size=10))
def test_the_record_reads_back_what_it_wrote_and_drops_what_is_not_a_pass(tmp_path_factory, kept, foreign):
    import time

    from profiler.cpu_reference import WINDOW_DAYS, _read, _recent

    path = tmp_path_factory.mktemp("record") / "cpu_speed.json"
    path.write_text(json.dumps({"m": [[ms, at] if at is not None else ms for ms, at in kept] + foreign}))
    read = _read(path)["m"]
    since = time.time() - WINDOW_DAYS * 86400.0
    assert read[:len(_recent(kept))] == _recent(kept)  # every kept pass of the window, in order
    for ms, at in read:  # and nothing that is not a finite, positive pass with a finite time
        assert ms > 0 and ms < float("inf") and (at is None or since <= at < float("inf"))


@given(st.lists(st.floats(0.1, 100.0), min_size=1, max_size=300))
def test_the_steady_pass_lies_between_the_fastest_and_the_median(passes):
    import statistics

    from profiler.cpu_reference import MachineSpeed

    speed = MachineSpeed(ROOT / "unused.json", "key", passes)
    assert min(passes) <= speed.steady_ms() <= statistics.median(passes)


def test_waiting_ends_when_the_cpu_is_steady_again_or_at_the_limit():
    from profiler.cpu_reference import wait_steady

    now = [0.0]
    seen = iter([3.0, 2.9, 2.1, 2.0])
    waited, last, steady = wait_steady(lambda: next(seen), 2.0, 60.0, clock=lambda: now[0],
                                       sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert (waited, last, steady) == (2.0, 2.1, True)  # 2.1 is within 10% of 2.0
    now[0] = 0.0
    waited, last, steady = wait_steady(lambda: 3.0, 2.0, 5.0, poll_s=2.0, clock=lambda: now[0],
                                       sleep=lambda s: now.__setitem__(0, now[0] + s))
    assert (waited, last, steady) == (5.0, 3.0, False)
    assert wait_steady(lambda: None, 2.0, 5.0)[2]  # nothing known: no wait


def test_advisor_homes_on_one_machine_can_share_its_record(tmp_path, monkeypatch):
    from profiler.cpu_reference import MachineSpeed

    shared = tmp_path / "machine" / "cpu.json"
    monkeypatch.setenv("ADVISOR_CPU_RECORD", str(shared))
    first = MachineSpeed.load()
    first.add(2.0)
    first.save()
    monkeypatch.setenv("ADVISOR_HOME", str(tmp_path / "another-home"))
    assert MachineSpeed.load().path == shared and MachineSpeed.load().steady_ms() == 2.0
    assert MachineSpeed.load(tmp_path / "own").steady_ms() is None  # a home given outright is that home's
