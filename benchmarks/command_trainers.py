"""``advisor calibrate command`` on the trainers people run, unmodified: CleanRL's PPO (continuous)
and rl_zoo3's PPO on a MuJoCo env through their presets, and a silent JAX script that runs whole
iterations of num_envs x 32 steps, calibrated without being told the 32.

For each program, in this order: calibration A, one longer run of the program at each evaluated
num_envs (calibrated and not), calibration B, a second run at each (as long as the first). Each
calibration's prediction is compared with the program's own steady-state figure in the run made
right after it (goal: within 5%), so that a drift of a shared machine's speed over the hour is
not counted as advisor's error; A is also compared with the mean of both runs, and how far the
two runs are apart shows the program's repeatability and the drift. The two calibrations' env
steps/s at the same num_envs must agree within 5%. The program's own figure: CleanRL's ``SPS:``
lines and rl_zoo3's ``time/fps`` table read as cumulative averages (rate between the first and
the last report; for rl_zoo3, between the two tables whose window holds its evaluations as due),
the JAX script's own log.

Beside every calibration point and every run of the program, the CPU's own speed: the median pass
of advisor's fixed reference loop (``reference_ms``, :mod:`profiler.cpu_reference`; longer is
slower), from the calibration's points and from a sampler in this process beside the program's
runs. Where it differs between a calibration and the run after it, the machine's speed changed
between them, which no calibration can foresee; the summary also counts the predictions whose
calibration and run had passes within 5% of each other. Like the calibrations (``calibrate
command``'s ``--steady-wait``, 60 s), each run of the program first waits up to 60 s while that pass
is more than 10% slower than the machine's steady pass, so that both sides are measured on a CPU
at its steady speed where the host allows; a run of the program whose pass was more than 5% from
the median pass of the calibration before it is taken again (three runs at most, the one nearest
kept), so that each prediction is held to the program on the CPU it was measured on; the section says
how long the program's runs waited and how many were taken again.
The machine's CPU record (``$ADVISOR_CPU_RECORD``, else the user's advisor home's) is kept across
benchmark runs; the profiles go to a temporary advisor home, and a copy of each calibration's
profile (every run's wall time, env steps, the program's own figure and the CPU's pass, and why a
point was measured again) is kept in benchmarks/results/command_trainers_profiles/ (``--tiny``:
``command_trainers_tiny_profiles/``), replaced by the next run.

    PYTHONPATH=$PWD python benchmarks/command_trainers.py --cleanrl-script PATH/ppo_continuous_action.py
    PYTHONPATH=$PWD python benchmarks/command_trainers.py --tiny       # a smoke run in a few minutes

CleanRL is not on PyPI for Python 3.11: pass a copy of ``cleanrl/ppo_continuous_action.py`` from
vwxyzjn/cleanrl (the gymnasium 1.x version of pull request 516); without one that program is
skipped. Writes benchmarks/results/command_trainers.md (``--tiny``: command_trainers_tiny.md).
Runs in a temporary ADVISOR_HOME.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import json_lines, write_result  # noqa: E402

PY = sys.executable
#: advisor's sampler in this process, timing the reference loop beside the program's own runs.
SAMPLER = None
#: Seconds the program's own runs waited for it, per program.
OWN_WAITED: dict[str, float] = {}
#: Runs of the program at most per evaluated num_envs, taken again while the CPU's reference pass is
#: further than this share from the calibration's, and how many were taken again, per program.
OWN_TRIES = 3
OWN_MATCH = 0.05
OWN_RETAKEN: dict[str, int] = {}
#: Where each calibration's profile is kept (``main`` sets it).
KEPT = HERE / "results" / "command_trainers_profiles"


def programs(args) -> list[dict]:
    """What each program runs: its command after --, the preset, calibrated and evaluated num_envs."""
    tiny = args.tiny
    found = [{
        "name": "silent JAX cart-pole (iteration num_envs x 32, not given)",
        "command": [PY, str(ROOT / "examples" / "jax_silent_cartpole.py"), "--num-envs", "{num_envs}",
                    "--total-timesteps", "{total_timesteps}", "--log", "{log}"],
        "preset": None, "calibrate": (16, 256) if tiny else (16, 64, 256, 1024),
        "evaluate": (16, 128) if tiny else (16, 32, 128, 512, 1024), "own": "log",
    }, {
        "name": f"rl_zoo3 PPO {args.env}",
        "command": [PY, "-m", "rl_zoo3.train", "--algo", "ppo", "--env", args.env, "--log-folder", "{folder}",
                    "--seed", "1"],
        "preset": "sb3", "calibrate": (1, 4) if tiny else (1, 2, 4, 8), "evaluate": (1, 2) if tiny else (1, 2, 3, 6, 8),
        "own": "preset",
    }]
    if args.cleanrl_script:
        found.append({
            "name": f"CleanRL ppo_continuous_action.py {args.env}",
            "command": [PY, str(Path(args.cleanrl_script).resolve()), "--env-id", args.env, "--seed", "1"]
                       + (["--num-steps", "256"] if tiny else []),
            "preset": "cleanrl", "calibrate": (1, 4) if tiny else (1, 2, 4, 8),
            "evaluate": (1, 2) if tiny else (1, 2, 3, 6, 8), "own": "preset",
        })
    return found


def advisor(*cli: str, env: dict, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``advisor`` from this checkout (``env`` sets PYTHONPATH to it), run in ``cwd``: the folder a
    calibrated program runs in (CleanRL writes its runs/ there)."""
    return subprocess.run([PY, "-m", "advisor", *cli], capture_output=True, text=True, env=env, cwd=cwd)


def calibrate(program: dict, name: str, options: list[str], env: dict, work: Path) -> tuple[dict, float]:
    command = [a.replace("{log}", str(work / f"{name}-calibration.jsonl")).replace("{folder}", str(work / "logs"))
               for a in program["command"]]
    cli = ["calibrate", "command", "--name", name, "--num-envs", ",".join(map(str, program["calibrate"])), *options]
    if program["preset"]:
        cli += ["--preset", program["preset"]]
    started = time.monotonic()
    proc = advisor(*cli, "--", *command, env=env, cwd=work)
    if proc.returncode != 0:
        raise SystemExit(f"calibration {name} failed:\n{proc.stdout}\n{proc.stderr}")
    took = time.monotonic() - started
    kept = KEPT / f"{name}.json"
    kept.write_text((Path(env["ADVISOR_HOME"]) / "profiles" / f"{name}.json").read_text())
    shown = json.loads(advisor("profile", "show", name, "--json", env=env).stdout)["command"]
    return shown, took


def halves(times: list[tuple[float, float]]) -> list[float] | None:
    """The program's rate over the first and the second half of its reports (drift with training)."""
    if len(times) < 3:
        return None
    middle = len(times) // 2
    parts = [(times[0], times[middle]), (times[middle], times[-1])]
    return [(b[0] - a[0]) / (b[1] - a[1]) if b[1] > a[1] else float("nan") for a, b in parts]


def own_figure(program: dict, num_envs: int, total: int, work: Path,
               match_ms: float | None) -> tuple[float | None, list[float] | None, float | None]:
    """The program's own figure at ``num_envs`` (:func:`own_run`) on a CPU at the speed the calibration
    before it met (``match_ms``, the median reference pass of its points): a run whose pass was more than
    ``OWN_MATCH`` away from it is taken again, up to ``OWN_TRIES`` runs in all, and the one at the
    nearest pass kept (``OWN_RETAKEN`` counts the runs taken again), so that a prediction is held to
    the program on the machine it was measured on, not on the machine after a change of its speed."""
    tries = []
    for attempt in range(OWN_TRIES):
        tries.append(own_run(program, num_envs, total, work))
        reference = tries[-1][2]
        if match_ms is None or reference is None or tries[-1][0] is None or abs(reference / match_ms - 1) <= OWN_MATCH:
            break
        if attempt + 1 < OWN_TRIES:
            OWN_RETAKEN[program["name"]] = OWN_RETAKEN.get(program["name"], 0) + 1
    timed = [t for t in tries if t[0] is not None and t[2] is not None]
    return min(timed, key=lambda t: abs(t[2] / match_ms - 1)) if timed and match_ms else tries[-1]


def own_run(program: dict, num_envs: int, total: int, work: Path) -> tuple[float | None, list[float] | None,
                                                                          float | None]:
    """One run of the program at ``num_envs`` for ``total`` env steps, unmodified: its own steady figure,
    its rate over each half of the run and the CPU's reference pass (ms) beside it."""
    from profiler.kinds.command.placeholders import substitute
    from profiler.trainers import trainer

    log = work / f"own-{num_envs}.jsonl"
    argv = [a.replace("{log}", str(log)).replace("{folder}", str(work / "logs")) for a in program["command"]]
    values = {"num_envs": num_envs, "total_timesteps": total}
    if program["preset"]:
        built = trainer(program["preset"]).command(argv, None, None)
        argv, steps = list(built.argv), built.num_steps
        values["num_steps"] = steps or 0
    if SAMPLER is not None:  # as advisor's runs do: wait out a slow spell of the CPU first
        from profiler.cpu_reference import STEADY_WAIT_S, MachineSpeed, wait_steady

        steady = MachineSpeed.load().steady_ms()  # the record the calibrations keep ($ADVISOR_CPU_RECORD)
        if steady is not None:
            waited = wait_steady(SAMPLER.recent_ms, steady, STEADY_WAIT_S)[0]
            OWN_WAITED[program["name"]] = OWN_WAITED.get(program["name"], 0.0) + waited
    start = time.time()
    proc = subprocess.run(substitute(argv, values), capture_output=True, text=True, cwd=work,
                          env={**os.environ, "WANDB_MODE": "disabled"})
    judged = SAMPLER.judge({"timed_unix_s": [start, time.time()]}) if SAMPLER is not None else None
    reference = judged.reference_ms if judged is not None else None
    if proc.returncode != 0:
        return None, None, reference
    if program["own"] == "log":
        line = json_lines(log)[-1]
        return line["steady_sps"], line.get("halves_sps"), reference
    return (trainer(program["preset"]).steady_sps(proc.stdout, values),
            halves(trainer(program["preset"]).report_times(proc.stdout, values)), reference)


def same_run(point: dict, logged: list[dict]) -> list[float]:
    """Each of a calibration point's samples against the program's own steady figure in the longer run it
    came from (the run's own, read by the preset; for a program that prints nothing, its log's line for
    that run): how far advisor's differential is from the program within one run, with no change of the
    machine's speed between them. Empty where the runs and samples cannot be paired one to one."""
    samples = point.get("train_sps_samples") or []
    longs = [r for r in point.get("runs") or () if r["role"] == "long"]
    if not samples or not longs:
        return []
    final = longs[-1]["total_timesteps"]
    longs = [r for r in longs if r["total_timesteps"] == final]
    own = [r.get("program_sps") for r in longs]
    if not all(own):
        own = [line["steady_sps"] for line in logged
               if line.get("num_envs") == point["num_envs"] and line.get("total_timesteps") == final]
    if len(own) != len(samples) or len(longs) != len(samples):
        return []
    return [sample / figure - 1 for sample, figure in zip(samples, own) if figure]


def span(gaps: list[float]) -> str:
    return f"{min(gaps):+.1%} to {max(gaps):+.1%}" if gaps else "-"


def reference_of(point: dict | None) -> float | None:
    """A calibration point's reference pass (ms), if it has one."""
    return ((point or {}).get("contention") or {}).get("reference_ms")


def cpu_notes(name: str, env: dict) -> list[str]:
    """advisor's own notes on the CPU's speed while calibration ``name`` ran (``validate --json``'s
    ``cpu_speed``: its speed changed between the points, or they fell in a slow spell together)."""
    done = advisor("validate", "--profile", name, "--json", env=env)
    return json.loads(done.stdout).get("cpu_speed", {}).get("command", []) if done.returncode == 0 else []


def unsteady_text(shown: list[dict]) -> str:
    """How many of each calibration's measured points advisor marked unsteady: ``A 4 of 4, B 3 of 4``."""
    counts = []
    for which, profile in zip("AB", shown):
        ok = [p for p in profile["points"] if p["status"] == "ok"]
        counts.append(f"{which} {sum(bool(p.get('unsteady')) for p in ok)} of {len(ok)} points")
    return ", ".join(counts)


def again_text(point: dict) -> str:
    """A calibration point's two measurements where advisor measured it again, else ``-``."""
    found = point.get("remeasured_sps") or ()
    if not point.get("remeasured"):
        return "-"
    kept = "second" if len(found) == 2 and point["train_sps"] == found[1] else "first"
    return " → ".join(f"{x:,.0f}" for x in found) + f" (kept {kept})"


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cleanrl-script", help="a copy of CleanRL's ppo_continuous_action.py")
    parser.add_argument("--env", default="HalfCheetah-v5", help="the MuJoCo env CleanRL and rl_zoo3 train")
    parser.add_argument("--delta", default="20s", help="calibrate command's --delta")
    parser.add_argument("--own-seconds", type=float, default=60.0, help="how long each reference run trains")
    parser.add_argument("--tiny", action="store_true", help="tiny sizes and short runs: checks the script works")
    parser.add_argument("--only", help="run only programs whose name contains one of these (comma-separated)")
    args = parser.parse_args()
    if args.tiny:
        args.delta, args.own_seconds = "3s", 8.0
    options = ["--delta", args.delta, "--first-timesteps", "4k" if args.tiny else "20k"]
    global KEPT
    KEPT = HERE / "results" / ("command_trainers_tiny_profiles" if args.tiny else "command_trainers_profiles")
    KEPT.mkdir(parents=True, exist_ok=True)
    for old in KEPT.glob("*.json"):
        old.unlink()
    sections = []
    summary = []
    with tempfile.TemporaryDirectory(prefix="advisor-bench-") as tmp:
        work = Path(tmp)
        # the profiles go to a temporary home, but the machine's CPU record (its steady reference
        # pass, which the waits for a CPU in a slow spell compare with) is this machine's own, kept
        # across runs as a user's repeated calibrations keep it
        from profiler.cpu_reference import MachineSpeed

        os.environ.setdefault("ADVISOR_CPU_RECORD", str(MachineSpeed.load().path))
        env = {**os.environ, "ADVISOR_HOME": str(work / "home"), "PYTHONPATH": str(ROOT), "COLUMNS": "250",
               "WANDB_MODE": "disabled"}
        from profiler.contention_sampler import ContentionSampler

        global SAMPLER
        SAMPLER = ContentionSampler().start()
        try:
            for index, program in enumerate(programs(args)):
                if args.only and not any(part in program["name"] for part in args.only.split(",")):
                    continue
                sections.append(evaluate(program, index, options, args, env, work, summary))
                _write(args, summary, sections, partial=True)
        finally:
            SAMPLER.stop()
    print(_write(args, summary, sections, partial=False).read_text())


def evaluate(program: dict, index: int, options: list[str], args, env: dict, work: Path, summary: list[str]) -> str:
    """Calibration A, the program's own run 1 at every evaluated size, calibration B, its own run 2
    at every size (as long as run 1): each calibration is compared with the run made right after
    it, so a drift of the machine's speed over the hour is not counted as advisor's error, and
    how far run 1 and run 2 are apart shows that drift."""
    names = [f"p{index}-a", f"p{index}-b"]
    shown, took, predicted, runs = [], [], [], []
    lengths: dict[int, int] = {}
    for name in names:
        profile, seconds = calibrate(program, name, options, env, work)
        shown.append(profile)
        took.append(seconds)
        rows = {row["num_envs"]: row for row in json.loads(advisor(
            "predict", "--profile", name, "--num-envs", ",".join(map(str, program["evaluate"])), "--json",
            env=env).stdout)}
        predicted.append(rows)
        for n in program["evaluate"]:
            lengths.setdefault(n, int(rows[n]["train_sps"] * args.own_seconds))
        passes = [reference_of(p) for p in profile["points"] if reference_of(p)]
        match = statistics.median(passes) if passes else None
        runs.append({n: own_figure(program, n, lengths[n], work, match) for n in program["evaluate"]})
    first, second = ({p["num_envs"]: p for p in s["points"] if p["status"] == "ok"} for s in shown)
    waits = [sum(p.get("cpu_wait_s") or 0.0 for p in s["points"]) for s in shown]
    agree, within_run = [], []
    logged = [json_lines(work / f"{name}-calibration.jsonl") for name in names]
    lines = [f"## {program['name']}", "",
             f"Calibrated twice (`--num-envs {','.join(map(str, program['calibrate']))}`"
             f"{' --preset ' + program['preset'] if program['preset'] else ''}, {' '.join(options)}): "
             f"{took[0]:.0f} s and {took[1]:.0f} s; their points' runs waited {waits[0]:.0f} s and {waits[1]:.0f} s "
             f"for a CPU in a slow spell, the program's own runs {OWN_WAITED.get(program['name'], 0.0):.0f} s, "
             f"and {OWN_RETAKEN.get(program['name'], 0)} of the program's own runs were taken again (a CPU reference "
             f"pass more than {OWN_MATCH:.0%} from the calibration's).", "",
             "| num_envs | calibration A | calibration B | A/B | steps | A's repeats | program's own (A's runs) "
             "| reference pass A / B, ms | measured again A / B (first → second) | samples against the program's own "
             "figure in the same run, A / B |",
             "|---:|---:|---:|---:|---|---:|---:|---:|---|---|"]
    for n in program["calibrate"]:
        a, b = first.get(n), second.get(n)
        if not a or not b:
            lines.append(f"| {n} | {'-' if not a else round(a['train_sps'])} | "
                         f"{'-' if not b else round(b['train_sps'])} | | | | | | | |")
            continue
        ratio = a["train_sps"] / b["train_sps"] - 1
        agree.append(abs(ratio))
        samples = a["train_sps_samples"]
        spread = (max(samples) - min(samples)) / statistics.median(samples) if len(samples) > 1 else 0
        basis = a["steps_basis"] + (f" ({a['iteration_steps']:,}/iter)" if a.get("iteration_steps") else "")
        own = f"{a['program_sps']:,.0f}" if a.get("program_sps") else "-"
        gaps = [same_run(a, logged[0]), same_run(b, logged[1])]
        within_run += gaps[0] + gaps[1]
        lines.append(f"| {n} | {a['train_sps']:,.0f} | {b['train_sps']:,.0f} | {ratio:+.1%} | {basis} | "
                     f"{spread:.1%} | {own} | {ms(reference_of(a))} / {ms(reference_of(b))} | "
                     f"{again_text(a)} / {again_text(b)} | {span(gaps[0])} / {span(gaps[1])} |")
    lines += ["", f"Predicted against the program's own steady-state figure in runs of about {args.own_seconds:g} s: "
                  "run 1 right after calibration A, run 2 right after calibration B (the same env steps); each "
                  "calibration's error is against the run made after it, A's also against the mean of both runs; "
                  "run 1's rate over the first and the second half of its reports shows whether the program's speed "
                  "drifts as training goes on:", "",
              "| num_envs | calibrated | A: env steps/s | A: 90% interval | own run 1 | A error | B: env steps/s | "
              "own run 2 | B error | runs apart | A vs mean | halves (run 1) | reference pass run 1 / run 2, ms |",
              "|---:|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    errors, repeat, against_mean, steady_errors = [], [], [], []
    # each calibration's CPU speed: the median reference pass over its points
    calibration_ms = []
    for profile in shown:
        passes = [reference_of(p) for p in profile["points"] if reference_of(p)]
        calibration_ms.append(statistics.median(passes) if passes else None)

    def error_of(row: dict, own: float | None) -> float | None:
        return row["train_sps"] / own - 1 if own else None

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:+.1%}"

    for n in program["evaluate"]:
        a_row, b_row = predicted[0][n], predicted[1][n]
        (own1, split, ref1), (own2, _split2, ref2) = runs[0][n], runs[1][n]
        a_err, b_err = error_of(a_row, own1), error_of(b_row, own2)
        errors += [abs(e) for e in (a_err, b_err) if e is not None]
        for err, cal, ref in ((a_err, calibration_ms[0], ref1), (b_err, calibration_ms[1], ref2)):
            if err is not None and cal and ref and abs(ref / cal - 1) <= 0.05:
                steady_errors.append(abs(err))
        both = [f for f in (own1, own2) if f]
        mean_err = error_of(a_row, statistics.mean(both)) if both else None
        if mean_err is not None:
            against_mean.append(abs(mean_err))
        apart = own1 / own2 - 1 if own1 and own2 else None
        if apart is not None:
            repeat.append(abs(apart))
        halves_text = f"{split[0]:,.0f} / {split[1]:,.0f}" if split else "-"
        lines.append(f"| {n} | {'yes' if n in program['calibrate'] else 'no'} | {a_row['train_sps']:,.0f} | "
                     f"{a_row['train_sps_low']:,.0f}-{a_row['train_sps_high']:,.0f} | "
                     f"{'-' if not own1 else f'{own1:,.0f}'} | {pct(a_err)} | {b_row['train_sps']:,.0f} | "
                     f"{'-' if not own2 else f'{own2:,.0f}'} | {pct(b_err)} | {pct(apart)} | {pct(mean_err)} | "
                     f"{halves_text} | {ms(ref1)} / {ms(ref2)} |")
    spoken = [cpu_notes(name, env) for name in names]
    lines += ["", "advisor's own notes on the CPU's speed while each calibration ran (`validate --json`'s "
                  "`cpu_speed`): " + "; ".join(f"{which}: {' / '.join(notes) if notes else 'none'}"
                                               for which, notes in zip("AB", spoken))]
    # the points advisor measured again (the CPU ran slow while they were first timed): each of the two
    # figures against the program's own run after that calibration, where it ran at that size
    again = [(p["remeasured_sps"], runs[i][p["num_envs"]][0]) for i, profile in enumerate(shown)
             for p in profile["points"] if len(p.get("remeasured_sps") or ()) == 2 and p["num_envs"] in runs[i]]
    judged = [(first / own - 1, second / own - 1) for (first, second), own in again if own]
    remeasured = sum(bool(p.get("remeasured")) for profile in shown for p in profile["points"])
    within = sum(e <= 0.05 for e in errors)
    run_ms = [r for per in runs for (_own, _split, r) in per.values() if r]
    summary.append(f"- {program['name']}: {within} of {len(errors)} predictions (two calibrations x "
                   f"{len(program['evaluate'])} num_envs) within 5% of the program's own figure in the run after "
                   f"that calibration (worst {max(errors, default=float('nan')):.1%}; calibration A against the mean "
                   f"of both runs: worst {max(against_mean, default=float('nan')):.1%}); the two calibrations within "
                   f"{max(agree, default=float('nan')):.1%} of each other at every calibrated num_envs; the "
                   f"program's own run 1 and run 2 within {max(repeat, default=float('nan')):.1%} of each other; "
                   f"advisor's samples against the program's own figure in the same longer run: "
                   f"{sum(abs(g) <= 0.05 for g in within_run)} of {len(within_run)} within 5% ({span(within_run)}). "
                   f"CPU reference pass: calibration A {ms(calibration_ms[0])} ms, B {ms(calibration_ms[1])} ms (medians "
                   f"over their points), the program's runs {ms(min(run_ms, default=None))}-"
                   f"{ms(max(run_ms, default=None))} ms; of the predictions whose calibration and run had passes within "
                   f"5% of each other, {sum(e <= 0.05 for e in steady_errors)} of {len(steady_errors)} within 5%. "
                   f"advisor noted the CPU's speed for calibration A: {'yes' if spoken[0] else 'no'}, B: "
                   f"{'yes' if spoken[1] else 'no'}; it marked unsteady (repeats that still disagreed after measuring "
                   f"again) {unsteady_text(shown)}. Points measured again (CPU slow while first timed): {remeasured}"
                   + ("; where the program ran at that size, first and second measurement against its own figure: "
                      + ", ".join(f"{x:+.1%} → {y:+.1%}" for x, y in judged) if judged else "") + ".")
    return "\n".join(lines)


def _write(args, summary: list[str], sections: list[str], partial: bool) -> Path:
    """The result file of the programs done so far (after each program, so a long run keeps them)."""
    body = ("Programs run unmodified; advisor's figures come from differential timing of whole runs, its steps from "
            "the preset (CleanRL: the script's num_steps; rl_zoo3: the table's total_timesteps) or, for the silent "
            "script, from the iteration it found in the wall time. Each calibration's profile, with every run it "
            f"took, is in {KEPT.relative_to(HERE.parent)}/ (named p<program>-a and -b).\n\n" + "\n".join(summary) + "\n\n"
            + "\n\n".join(sections) + "\n")
    if partial:
        body = f"(In progress: {len(sections)} program(s) done so far.)\n\n" + body
    return write_result("command_trainers_tiny" if args.tiny else "command_trainers",
                        "advisor calibrate command on published trainers and a silent JAX script", body)


if __name__ == "__main__":
    main()
