"""Command sweeps of real subprocesses whose work is known: differential timing recovers the rate
and the fixed cost of a command that prints nothing; a hang, a crash and Ctrl-C cost one point;
--resume finishes the sweep."""

import dataclasses
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from profiler.kinds.command.schema import CommandWorkload
from profiler.kinds.command.sweep import CommandSweepSpec, run_command_sweep
from tests.conftest import ROOT, run_cli
from tests.profiler.kinds.command.scripts import write_sleeper


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting for init to reap it has ended)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def spec_for(tmp_path, num_envs, **kwargs):
    workload = CommandWorkload(argv=tuple(write_sleeper(tmp_path)), cwd=str(tmp_path))
    return CommandSweepSpec(workload=workload, num_envs=tuple(num_envs), name="sleeper",
                            **{"first_timesteps": 1000, "delta_s": 1.5, "timeout_s": 60.0, **kwargs})


def test_differential_timing_recovers_the_rate_and_fixed_cost_of_a_silent_command(tmp_path):
    # runs 2.5 s apart: on a loaded 2-core machine start-up varies by a few tenths of a second,
    # which the difference of two runs must dominate (a rate taken over whole runs, start-up
    # included, would be 20-30% low here)
    profile = run_command_sweep(spec_for(tmp_path, (4, 16), delta_s=2.5), "sleeper")
    section = profile.section("command")
    assert [p.status for p in section.points] == ["ok", "ok"]
    for point in section.points:
        # the sleeper runs 1000 env steps per env per second after 0.5 s of start-up; what each run
        # took beyond that work is its overhead (the interpreter's start and exit, late wake-ups).
        # The difference of runs cancels the overhead up to its spread between runs, so the rate is
        # off by no more than that spread over the measured difference; a rate taken over whole
        # runs, start-up included, would be 20-30% low and fail this however quiet the machine
        true_sps = 1000 * point.num_envs
        overheads = [r.wall_s - 0.5 - r.total_timesteps / true_sps for r in point.runs]
        short_wall = (point.runs[0].wall_s + point.runs[1].wall_s) / 2  # the two short runs
        extra = point.runs[-1].wall_s - short_wall
        assert abs(point.train_sps / true_sps - 1) <= (max(overheads) - min(overheads)) / extra + 0.01
        assert 0.4 < point.fixed_s < 5.0 and point.compile_s == point.fixed_s
        assert point.throughput_method == "differential" and len(point.runs) >= 2
        assert extra >= 0.5 * 2.5  # the difference dominates noise
        assert point.peak_bytes > 1 << 20 and point.memory_source == "process_tree_peak_rss"
        assert all(r.total_timesteps % point.num_envs == 0 for r in point.runs)
    assert section.memory_source == "process_tree_peak_rss" and "differential timing" in section.method
    assert section.accelerator.platform == "cpu"


def test_a_hang_is_ended_at_its_timeout_with_everything_it_started(tmp_path):
    # 4 envs run about 3 s in all (three runs, each with a measuring process's start-up); on a loaded
    # machine its short runs' noise must not plan a longer run past the timeout
    (tmp_path / "HANG").write_text("8")
    profile = run_command_sweep(spec_for(tmp_path, (4, 8), timeout_s=8.0), "hang")
    points = profile.section("command").points
    assert [p.status for p in points] == ["ok", "timeout"]
    assert "timeout (8 s)" in points[1].error
    hung = int((tmp_path / "hung.pid").read_text())
    deadline = time.monotonic() + 10
    while alive(hung) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(hung)


def test_noisy_short_runs_never_plan_a_longer_run_past_half_the_timeout(tmp_path):
    # the second short run starts a second late: ten times that noise would plan a longer run of
    # about 10 s, past the 8 s timeout; the plan is held to half the timeout instead
    (tmp_path / "JITTER").write_text("2")
    profile = run_command_sweep(spec_for(tmp_path, (4,), timeout_s=8.0), "jitter")
    (point,) = profile.section("command").points
    assert point.status == "ok", point.error
    short_wall = (point.runs[0].wall_s + point.runs[1].wall_s) / 2
    # the injected second was seen, unless the CPU's reference pass moved under the first measurement
    # (a loaded machine) and the point was measured again at the same lengths, the second one kept
    assert point.runs[1].wall_s - point.runs[0].wall_s > 0.5 or point.remeasured is not None
    # the plan, judged by the sleeper's known work (0.5 s plus 4000 env steps/s at 4 envs) rather than
    # by wall time, which a loaded machine stretches: without the cap it would be about 15 s
    assert 0.5 + point.runs[-1].total_timesteps / 4000 <= 0.75 * 8.0
    assert point.runs[-1].wall_s > short_wall and point.train_sps > 0


def test_a_crash_costs_its_point_only_and_says_why(tmp_path):
    (tmp_path / "CRASH").write_text("8")
    profile = run_command_sweep(spec_for(tmp_path, (4, 8)), "crash")
    ok, crashed = profile.section("command").points
    assert ok.ok and crashed.status == "error"
    assert "exit code 1" in crashed.error and "rejected num_envs=8" in crashed.error


def test_ctrl_c_keeps_finished_points_and_resume_finishes_the_sweep(tmp_path, advisor_home):
    (tmp_path / "HANG").write_text("8")
    # --num-steps 1: the sleeper runs exactly the steps asked for, so no iteration probe runs first
    options = ["calibrate", "command", "--name", "stopped", "--num-envs", "4,8", "--first-timesteps", "1000",
               "--delta", "1s", "--num-steps", "1", "--repeats", "1"]
    command = ["--", *write_sleeper(tmp_path)]
    args = options + command
    proc = subprocess.Popen([sys.executable, "-m", "advisor", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 120
    while not (tmp_path / "hung.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "1 finished point(s) kept" in stderr and "--resume" in stderr
    saved = json.loads((advisor_home / "profiles" / "stopped.json").read_text())["command"]
    assert [p["status"] for p in saved["points"]] == ["ok", "interrupted"]
    assert not alive(int((tmp_path / "hung.pid").read_text()))
    (tmp_path / "HANG").unlink()
    again = run_cli(*options, "--resume", *command)
    assert again.returncode == 0, again.stderr
    saved = json.loads((advisor_home / "profiles" / "stopped.json").read_text())["command"]
    assert [p["status"] for p in saved["points"]] == ["ok", "ok"]
    changed = run_cli(*[a if a != "4,8" else "4,16" for a in options], "--resume", *command)
    assert changed.returncode == 2 and "changed: num_envs" in changed.stderr


def test_a_command_sweep_takes_the_device_lock_and_records_contention(tmp_path):
    from profiler.devicelock import SweepClaim, device_key
    from tests.conftest import one_line_error

    other = SweepClaim("someone-else")  # another calibration measuring on this machine's CPU
    other.device(device_key("cpu"), wait=False)
    try:
        refused = run_cli("calibrate", "command", "--name", "blocked", "--num-envs", "4", "--no-wait", "--",
                          *write_sleeper(tmp_path))
        line = one_line_error(refused)
        assert f"is busy: pid {os.getpid()}" in line and "is calibrating on it" in line
        assert not (Path(os.environ["ADVISOR_HOME"]) / "profiles" / "blocked.json").exists()
    finally:
        other.release()
    profile = run_command_sweep(spec_for(tmp_path, (4,)), "sleeper")
    [point] = profile.section("command").points
    assert point.ok and point.contention is not None and point.contention.other_cpu_cores >= 0
    # the CPU's own speed beside every run (profiler.cpu_reference), the point's from its last run
    assert point.contention.reference_ms > 0 and all(r.reference_ms and r.reference_ms > 0 for r in point.runs)
    assert point.contention.reference_ms == point.runs[-1].reference_ms


@pytest.mark.parametrize("cpu_follows", [True, False])
def test_rounds_that_still_disagree_are_marked_and_a_cpu_that_slowed_with_them_is_named(tmp_path, monkeypatch,
                                                                                      cpu_follows):
    # the sleeper works at 0.6x in every second timing round (a SLOW_ALL file put and taken away as
    # each round ends); where the reference pass slows with it (a host whose speed comes and goes,
    # which a test cannot make of the real CPU) the mark says so, and where it stays the same (the
    # program's own unsteadiness) it does not
    import profiler.contention_sampler as sampler

    slow = tmp_path / "SLOW_ALL"
    monkeypatch.setattr(sampler, "reference_pass", lambda: 0.003 if cpu_follows and slow.exists() else 0.002)

    def toggle(event):
        if event.phase == "done" or (event.phase == "measure" and event.message.startswith("round")):
            slow.unlink() if slow.exists() else slow.touch()

    profile = run_command_sweep(spec_for(tmp_path, (4,), repeats=2), "sleeper", on_event=toggle)
    [point] = profile.section("command").points
    assert point.ok and point.unsteady and "repeats disagree" in point.error and point.remeasured is None
    final = max(r.total_timesteps for r in point.runs)
    longs = [r for r in point.runs if r.role == "long" and r.total_timesteps == final]
    # two rounds, then two more where they disagreed; each later round one short and one longer run
    assert [r.round for r in longs] == [0, 1, 2, 3] and len(point.train_sps_samples) == 4
    assert [r.round for r in point.runs if r.role == "short"] == [0, 0, 1, 2, 3]
    fast, slowed = point.train_sps_samples[0::2], point.train_sps_samples[1::2]
    assert all(abs(x / 4000 - 1) < 0.15 for x in fast) and all(abs(x / 2400 - 1) < 0.15 for x in slowed)
    if cpu_follows:
        assert "the CPU itself ran up to 50% slower" in point.error
        assert [r.reference_ms for r in longs] == [2.0, 3.0, 2.0, 3.0]
    else:
        assert "CPU itself" not in point.error and {r.reference_ms for r in longs} == {2.0}
    # predict and recommend say so, with how far the repeats went apart
    from advisor.kinds.command.commands import predict
    from advisor.kinds.command.recommend import recommend_command, unsteady_note
    from models.num_envs_curves import fit_vectorised

    note = unsteady_note(profile.section("command"))
    widest = (max(point.train_sps_samples) - min(point.train_sps_samples)) / statistics.median(point.train_sps_samples)
    assert note.startswith("num_envs 4: repeats still disagreed") and f"by up to {widest:.0%}" in note
    # a fit needs two points: a steady one at 8 envs beside it, twice as fast
    section = profile.section("command")
    eight = dataclasses.replace(point, num_envs=8, unsteady=False, error=None, train_sps=2 * point.train_sps,
                                train_sps_samples=(2 * point.train_sps,) * 2)
    two = profile.with_section("command", dataclasses.replace(section, points=(point, eight)))
    assert unsteady_note(two.section("command")) == note
    assert note in predict(two, "sleeper", num_envs="4,6").warnings
    assert note in recommend_command(fit_vectorised(two.section("command")), 100_000, profile="sleeper").notes


def test_later_rounds_are_taken_after_every_point_s_first_and_resume_takes_those_due(tmp_path, advisor_home,
                                                                                    monkeypatch):
    # round-robin: 4 envs' second round comes after 8 envs' first; Ctrl-C before 8 envs' second
    # round keeps both points (4 with two rounds, 8 with one) and --resume takes the one still due.
    # The CPU's reference pass is held steady: a real one that moved by more than 10% on a busy test
    # machine would have a point measured again at the end, which is another test's subject
    import profiler.contention_sampler as sampler

    monkeypatch.setattr(sampler, "reference_pass", lambda: 0.002)
    events = []

    def interrupt(event):
        events.append(event)
        seconds = [i for i, e in enumerate(events) if e.phase == "measure" and e.message.startswith("round 2")]
        if event.phase == "run" and event.key == 8 and seconds and events[seconds[0]].key == 4:
            raise KeyboardInterrupt

    spec = spec_for(tmp_path, (4, 8), repeats=2)
    with pytest.raises(KeyboardInterrupt):
        run_command_sweep(spec, "sleeper", on_event=interrupt)
    done = {e.key: i for i, e in enumerate(events) if e.phase == "done"}
    second = next(i for i, e in enumerate(events) if e.phase == "measure" and e.key == 4)
    assert done[8] < second
    from profiler.store import load_profile_file, profile_path

    four, eight = load_profile_file(profile_path("sleeper")).section("command").points
    assert four.ok and eight.ok and len(four.train_sps_samples) == 2 and len(eight.train_sps_samples) == 1
    # its first round (two short runs, the longer run and any taken again longer), then one short and one longer
    assert [(r.role, r.round) for r in four.runs[:3]] == [("short", 0), ("short", 0), ("long", 0)]
    assert [(r.role, r.round) for r in four.runs[-2:]] == [("short", 1), ("long", 1)]
    assert {r.round for r in four.runs[:-2]} == {0} and four.runs[-1].total_timesteps == four.runs[-3].total_timesteps
    assert four.train_sps == statistics.median(four.train_sps_samples)
    resumed = run_command_sweep(spec, "sleeper", resume=True).section("command")
    assert [len(p.train_sps_samples) for p in resumed.points] == [2, 2]
    assert resumed.points[0].runs == four.runs  # finished rounds are kept, not taken again
    for point in resumed.points:
        assert all(abs(x / (1000 * point.num_envs) - 1) < 0.15 for x in point.train_sps_samples)
        assert point.wall_s > sum(r.wall_s for r in point.runs) * 0.99


def slow_spell(tmp_path, monkeypatch):
    """The sleeper's runs at 4 envs work at 0.6x until a run at another size starts, while the
    CPU's reference pass reads 3 ms against 2 ms (a slow spell of the host over one point, which
    a test cannot make of the real CPU)."""
    import profiler.contention_sampler as sampler

    slow = tmp_path / "slow.now"
    monkeypatch.setattr(sampler, "reference_pass", lambda: 0.003 if slow.exists() else 0.002)
    (tmp_path / "SLOW_FIRST").write_text("4")


def slower(pattern: str, text: str) -> int:
    """The percentage ``pattern``'s group finds in ``text`` (the test fails where it finds none)."""
    import re

    found = re.search(pattern, text)
    assert found, text
    return int(found.group(1))


def test_a_point_timed_while_the_cpu_ran_slow_is_measured_again_at_the_end_and_the_faster_pass_kept(
        tmp_path, monkeypatch):
    slow_spell(tmp_path, monkeypatch)
    events = []
    profile = run_command_sweep(spec_for(tmp_path, (4, 8)), "sleeper", on_event=events.append)
    four, eight = profile.section("command").points
    assert four.ok and eight.ok and eight.remeasured is None
    # 50% while the sleeper ran; less where a busy machine's slow start of its process (before the
    # spell's file exists) took a share of a run's passes
    assert 25 <= slower(r"the CPU ran (\d+)% slower than in the other points the first time", four.remeasured) <= 50
    assert "0% slower the second time" in four.remeasured and "the second is kept" in four.remeasured
    # the first measurement was the spell's (0.6x), the kept one the program's own rate
    first, second = four.remeasured_sps
    assert abs(first / 2400 - 1) < 0.15 and second == four.train_sps and abs(second / 4000 - 1) < 0.15
    assert f"({first:,.0f} env steps/s)" in four.remeasured
    # at the lengths the first used: two short runs and one longer run, no probe or planning
    assert [r.role for r in four.runs] == ["short", "short", "long"] and four.runs[0].total_timesteps == 1000
    assert {r.reference_ms for r in four.runs} == {2.0} and four.wall_s > sum(r.wall_s for r in four.runs)
    again = [e for e in events if e.phase == "measure" and e.key == 4]
    assert "measuring again" in again[0].message and again[-1].message == four.remeasured
    done = [i for i, e in enumerate(events) if e.phase == "done"]
    assert [events[i].key for i in done] == [4, 8] and events.index(again[0]) > done[-1]


def test_a_point_whose_short_runs_met_a_slower_cpu_than_its_longer_run_is_measured_again(tmp_path, monkeypatch):
    # the two short runs work at 0.6x and the longer run at full speed: their difference in wall
    # time is short by the spell, so the first figure is too high
    import profiler.contention_sampler as sampler

    slow = tmp_path / "slow.now"
    monkeypatch.setattr(sampler, "reference_pass", lambda: 0.003 if slow.exists() else 0.002)
    (tmp_path / "SLOW_RUNS").write_text("2")
    events = []
    profile = run_command_sweep(spec_for(tmp_path, (4,)), "sleeper", on_event=events.append)
    point = profile.section("command").points[0]
    first, second = point.remeasured_sps
    assert first > 1.03 * second and second == point.train_sps and abs(second / 4000 - 1) < 0.15
    assert 20 <= slower(r"its runs' speeds (\d+)% apart", point.remeasured) <= 50
    assert "than in its fastest run the first time" in point.remeasured and "the second is kept" in point.remeasured
    assert {r.reference_ms for r in point.runs} == {2.0}
    messages = [e.message for e in events if e.phase == "measure"]
    assert messages[0].startswith("measuring again: the CPU's own speed changed by")


def test_ctrl_c_while_a_point_is_measured_again_keeps_it_and_resume_measures_it_again(tmp_path, advisor_home):
    # the real CLI in its own process; its reference pass comes from a sitecustomize of the test's
    # that reads the sleeper's slow.now file (as slow_spell does in-process)
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os, profiler.contention_sampler as s\n"
        f"s.reference_pass = lambda: 0.003 if os.path.exists({str(tmp_path / 'slow.now')!r}) else 0.002\n")
    (tmp_path / "SLOW_FIRST").write_text("4")
    options = ["calibrate", "command", "--name", "again", "--num-envs", "4,8", "--first-timesteps", "1000",
               "--delta", "1.5s", "--num-steps", "1", "--repeats", "1"]
    command = ["--", *write_sleeper(tmp_path)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)]), "COLUMNS": "1000"}
    proc = subprocess.Popen([sys.executable, "-m", "advisor", *options, *command], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    four, eight, deadline = tmp_path / "runs-4.count", tmp_path / "runs-8.count", time.monotonic() + 120
    while not eight.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    before = int(four.read_text())
    while int(four.read_text()) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)  # in the first run of measuring 4 envs again, after 8 envs finished
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "2 finished point(s) kept" in stderr
    saved = json.loads((advisor_home / "profiles" / "again.json").read_text())["command"]
    assert [p["status"] for p in saved["points"]] == ["ok", "ok"] and saved["points"][0]["remeasured"] is None
    assert abs(saved["points"][0]["train_sps"] / 2400 - 1) < 0.15  # the first measurement, as it was
    again = subprocess.run([sys.executable, "-m", "advisor", *options, "--resume", *command], cwd=ROOT,
                           capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr
    point = json.loads((advisor_home / "profiles" / "again.json").read_text())["command"]["points"][0]
    assert "the second is kept" in point["remeasured"] and abs(point["train_sps"] / 4000 - 1) < 0.15
    assert 25 <= slower(r"measuring again: the CPU itself ran (\d+)% slower", again.stderr) <= 50  # the progress
    assert "measured again at the end of the sweep" in again.stdout  # the points table's detail


def slow_cpu(tmp_path, monkeypatch, advisor_home):
    """A machine whose record says its steady pass is 2 ms, and whose reference pass reads 3 ms
    while ``cpu.slow`` exists (a slow spell of the host, which a test cannot make of the real CPU)."""
    import profiler.contention_sampler as sampler
    from profiler.cpu_reference import MachineSpeed

    slow = tmp_path / "cpu.slow"
    monkeypatch.setattr(sampler, "reference_pass", lambda: 0.003 if slow.exists() else 0.002)
    record = MachineSpeed.load()
    for _ in range(10):
        record.add(2.0)
    record.save()
    slow.touch()
    return slow


def test_runs_wait_for_a_cpu_in_a_slow_spell_and_are_timed_at_its_steady_speed(tmp_path, monkeypatch, advisor_home):
    import threading

    from profiler.cpu_reference import MachineSpeed

    slow = slow_cpu(tmp_path, monkeypatch, advisor_home)
    threading.Timer(3.0, slow.unlink).start()  # the spell ends 3 s in
    events = []
    started = time.monotonic()
    profile = run_command_sweep(spec_for(tmp_path, (4,), steady_wait_s=30.0), "sleeper", on_event=events.append)
    point = profile.section("command").points[0]
    assert point.ok and 2.0 <= point.cpu_wait_s <= 8.0 and time.monotonic() - started >= 3.0
    assert {r.reference_ms for r in point.runs} == {2.0}  # no run was timed in the spell
    messages = [e.message for e in events if e.phase == "measure" and e.key == 4]
    assert "the CPU runs 50% slower than its steady speed here (reference loop 3.00 ms a pass against 2.00 ms); " \
           "waiting up to 30 s" in messages[0]
    assert messages[1].startswith("the CPU is back to its steady speed after") and len(messages) == 2
    assert "waits (up to 30 s)" in profile.section("command").method
    assert len(MachineSpeed.load().passes) == 10 + len(point.runs)  # each run's pass joins the record


def test_a_wait_that_runs_out_measures_anyway_and_the_next_runs_do_not_wait(tmp_path, monkeypatch, advisor_home):
    slow_cpu(tmp_path, monkeypatch, advisor_home)  # slow throughout
    events = []
    profile = run_command_sweep(spec_for(tmp_path, (4, 8), steady_wait_s=1.0), "sleeper", on_event=events.append)
    four, eight = profile.section("command").points
    assert four.ok and eight.ok and 1.0 <= four.cpu_wait_s < 3.0 and eight.cpu_wait_s == 0.0
    messages = [e.message for e in events if e.phase == "measure"]
    assert sum("waiting up to 1 s" in m for m in messages) == 1
    assert any(m.startswith("the CPU is still 50% slow after 1 s; measuring anyway") for m in messages)
    # the points agree with each other, so only the machine's record shows the spell; the profile
    # keeps each point's steady pass beside its own, and the fit says the figures are this hour's
    from profiler.contention import section_speed_notes

    assert [(p.contention.reference_ms, p.contention.steady_ms) for p in (four, eight)] == [(3.0, 2.0)] * 2
    [note] = section_speed_notes(profile.section("command"))
    assert note.startswith("the CPU itself ran 50% slower than its steady speed here") and "3.00 ms" in note
    predicted = run_cli("predict", "--profile", "sleeper", "--num-envs", "4,8")
    assert predicted.returncode == 0, predicted.stderr
    assert "warning: the CPU itself ran 50% slower than its steady speed here" in " ".join(predicted.stderr.split())


def test_without_a_steady_wait_runs_start_at_once(tmp_path, monkeypatch, advisor_home):
    slow_cpu(tmp_path, monkeypatch, advisor_home)
    events = []
    profile = run_command_sweep(spec_for(tmp_path, (4,)), "sleeper", on_event=events.append)
    assert profile.section("command").points[0].cpu_wait_s == 0.0
    assert not [e for e in events if e.phase == "measure"] and "waits (up to" not in profile.section("command").method


def test_a_longer_run_is_chosen_to_add_the_evaluations_due():
    from profiler.kinds.command.sweep import aligned_steps, evaluations_off, holds_due

    # rl_zoo3 at 8 envs (iteration 16,384, an evaluation every 25,000): a longer run of 65,536 after
    # short runs of 32,768 adds one evaluation where 1.31 are due; 131,072 (whole pairs of iterations,
    # all the two lengths tell) adds four where 3.93 are due
    assert evaluations_off(32_768, 65_536, 25_000) == pytest.approx(1 - 32_768 / 25_000)
    assert aligned_steps(32_768, 65_536, 25_000, most=200_000) == 131_072
    assert aligned_steps(24_576, 81_920, 25_000, most=200_000) == 98_304  # 3 of 2.29 -> 3 of 2.95
    assert aligned_steps(32_768, 65_536, 25_000, most=100_000) is None
    # in the iteration the zoo's tables show (16,384), a shorter one does: 2 of 1.97
    assert aligned_steps(32_768, 65_536, 25_000, most=200_000, step=16_384) == 81_920
    # at 1 env (iteration 2,048): short runs of 20,480 and a longer one of 40,960 add one evaluation where
    # 0.82 are due (an evaluation is a fifth of the wall time there: 4% off); 45,056 adds one of 0.98
    assert not holds_due(20_480, 40_960, 25_000)
    assert aligned_steps(20_480, 40_960, 25_000, most=81_920) is None  # in steps of 20,480, none
    assert aligned_steps(20_480, 40_960, 25_000, most=81_920, step=2_048) == 45_056
    for first in range(1, 40):
        for ran in range(first + 1, 80):
            for step in (None, 64):
                found = aligned_steps(first * 64, ran * 64, 1_000, most=4 * ran * 64, step=step)
                if found is not None:
                    assert found > ran * 64 and found % (step or math.gcd(first * 64, ran * 64)) == 0
                    due = (found - first * 64) / 1_000
                    assert abs(evaluations_off(first * 64, found, 1_000)) <= 0.05 * max(1.0, due)
                    assert holds_due(first * 64, found, 1_000)
