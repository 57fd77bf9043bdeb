"""The rest of the hostile-input campaign, each reproduction as a real process on real files:
inputs that used to hang or exhaust memory end in one line at once, values that used to import
and crash later are refused on the way in, a busy device refuses before any probe starts, and
the explorer and report refuse what they cannot do safely."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from advisor.cli.explore import is_loopback
from profiler.devicelock import SweepClaim
from tests.conftest import ROOT, one_line_error, run_cli

ALIAS_BOMB = """experiment: {num_envs: 64}
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


def test_a_yaml_alias_bomb_as_base_is_refused_at_once(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(ALIAS_BOMB)
    assert len(ALIAS_BOMB) < 400  # the campaign's 377 bytes stood for 387 million strings
    started = time.monotonic()
    proc = run_cli("recommend", "--profile", "rtx3070-locomujoco", "--target", "100M", "--base", str(bomb), timeout=60)
    seconds = time.monotonic() - started
    line = one_line_error(proc)
    assert "aliases expand to more than" in line and seconds < 30
    from advisor.safe_yaml import MAX_VALUES, TooLarge, load

    with pytest.raises(TooLarge):
        load(ALIAS_BOMB)
    # anchors within the budget still load as yaml.safe_load loads them
    assert load("a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]} and MAX_VALUES >= 10_000


def test_fifos_and_endless_devices_are_refused_without_being_read(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    cases = [
        (("recommend", "--profile", "rtx3070-locomujoco", "--target", "100M", "--base", str(fifo)), "FIFO"),
        (("profile", "import", str(fifo), "--kind", "mjx", "--name", "x"), "FIFO"),
        (("profile", "import", "/dev/zero", "--kind", "mjx", "--name", "x"), "character device"),
        (("recommend", "--profile", "rtx3070-locomujoco", "--target", "100M", "-o", str(fifo)), "nothing is reading"),
    ]
    for args, expected in cases:
        line = one_line_error(run_cli(*args, timeout=60))  # a hang would time out here
        assert expected in line, (args, line)


def test_a_fifo_with_a_reader_still_receives_the_conf(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE, text=True)
    time.sleep(0.2)
    proc = run_cli("recommend", "--profile", "rtx3070-locomujoco", "--target", "100M", "-o", str(fifo), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "num_envs: 4096" in reader.communicate(timeout=30)[0]


def test_output_paths_too_long_or_on_a_full_device_are_one_line(tmp_path):
    long = tmp_path / ("x" * 300) / "conf.yaml"
    line = one_line_error(run_cli("recommend", "--profile", "rtx3070-locomujoco", "--target", "100M", "-o", str(long)))
    assert "File name too long" in line
    line = one_line_error(run_cli("recommend", "--profile", "rtx3070-locomujoco", "--target", "100M", "-o", "/dev/full"))
    assert "/dev/full" in line and "No space left on device" in line


def test_a_base_conf_beyond_the_limits_is_one_line(tmp_path):
    for key, value, expected in (("num_steps", 200_000, "experiment.num_steps must be a whole number from 1 to 100,000"),
                                 ("num_envs", 2**70, "experiment.num_envs"), ("update_epochs", "4", "update_epochs")):
        conf = tmp_path / f"{key}.yaml"
        conf.write_text(f"experiment:\n  num_envs: 2048\n  num_steps: 50\n  {key}: {json.dumps(value)}\n")
        line = one_line_error(run_cli("recommend", "--profile", "h100-humanoid", "--target", "100M",
                                      "--objective", "same-batch", "--base", str(conf)))
        assert expected in line, line
    huge = tmp_path / "huge.yaml"
    huge.write_text("experiment:\n  env_params: {env_name: MjxUnitreeGo2.walk, n_substeps: " + "9" * 500 + "}\n")
    proc = run_cli("recommend", "--profile", "h100-humanoid", "--target", "100M", "--base", str(huge))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr


def test_values_that_used_to_import_and_crash_later_are_refused_on_the_way_in(tmp_path, advisor_home):
    mjx = tmp_path / "tiny.csv"
    mjx.write_text("num_envs,num_steps,num_minibatches,update_epochs,train_sps,peak_vram_bytes\n"
                   "64,50,32,4,5e-324,\n128,50,32,4,1000,\n256,50,32,4,2000,\n")
    rllib = tmp_path / "tiny-rllib.csv"
    rllib.write_text("num_env_runners,num_envs_per_env_runner,env_steps_per_s\n1,1,5e-324\n2,1,1000\n4,1,1500\n")
    for path, kind in ((mjx, "mjx"), (rllib, "rllib")):
        line = one_line_error(run_cli("profile", "import", str(path), "--kind", kind, "--name", "tiny"))
        assert "row 2" in line and "below the slowest rate" in line
    # hand-edited sections: duplicate RLlib points, brax defaults of the wrong type, a missing epoch_s, huge numbers
    rl = json.loads((ROOT / "advisor/defaults/epyc-2core-cpu-halfcheetah.json").read_text())
    rl["rllib"]["points"].append(rl["rllib"]["points"][0])
    brax = json.loads((ROOT / "advisor/defaults/epyc-2core-cpu-brax-cartpole.json").read_text())
    edits = {"dup": (rl, "rllib", "two points at")}
    for name, change, expected in (("nulldefaults", lambda w: w.update(ppo_defaults=None), "ppo_defaults"),
                                   ("nandefault", lambda w: w["ppo_defaults"].update(batch_size=float("nan")),
                                    "ppo_defaults"),
                                   ("strdefault", lambda w: w["ppo_defaults"].update(num_evals="10"), "num_evals"),
                                   ("hugebatch", lambda w: w.update(batch_size=2**70), "batch_size")):
        edited = json.loads(json.dumps(brax))
        change(edited["brax"]["workload"])
        edits[name] = (edited, "brax", expected)
    no_epoch = json.loads(json.dumps(brax))
    del no_epoch["brax"]["points"][0]["epoch_s"]
    edits["noepoch"] = (no_epoch, "brax", "epoch_s")
    tiny_epoch = json.loads(json.dumps(brax))
    tiny_epoch["brax"]["points"][2]["epoch_s"] = 5e-324  # the phase fit's least squares failed on it (fuzz)
    edits["tinyepoch"] = (tiny_epoch, "brax", "shorter than any timed phase")
    folder = advisor_home / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    for name, (data, kind, expected) in edits.items():
        (folder / f"{name}.json").write_text(json.dumps({**data, "name": name}, allow_nan=True))
        for args in (("recommend", "--profile", name, "--kind", kind, "--target", "100M"),
                     ("validate", "--profile", name)):
            line = one_line_error(run_cli(*args, timeout=60))
            assert f"{name}.json" in line and expected in line, (name, line)


def test_a_busy_device_refuses_no_wait_before_any_probe_or_ray_start(tmp_path, advisor_home):
    env = {"ADVISOR_DEVICE_KEY": "cpu-busy-test"}  # the calibrations' device: the one this test holds
    holder = SweepClaim("holder")
    holder.device("cpu-busy-test", wait=False)
    try:
        for args in (("calibrate", "mjx", "--name", "m", "--no-wait"),
                     ("calibrate", "rllib", "--name", "r", "--no-wait", "--quick")):
            started = time.monotonic()
            line = one_line_error(run_cli(*args, env=env, timeout=120))
            assert "cpu-busy-test is busy" in line and f"pid {os.getpid()}" in line
            assert time.monotonic() - started < 60
            runs = advisor_home / "runs" / args[2]
            assert not list(runs.glob("probe*")) and not list(runs.glob("*.spec.json"))  # no probe, no Ray
    finally:
        holder.release()


def test_the_explorer_serves_other_machines_only_when_asked(tmp_path):
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1") and is_loopback("127.3.2.1")
    assert not is_loopback("") and not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")
    for address, expected in (("", "every interface"), ("0.0.0.0", "other machines can reach")):
        line = one_line_error(run_cli("explore", "--address", address, "--port", "8766", timeout=60))
        assert expected in line and "--allow-remote" in line


def test_report_without_matplotlib_names_the_extra(tmp_path):
    """matplotlib made unimportable (as in the core install) in the process that runs the command."""
    code = ("import sys; sys.modules['matplotlib'] = None\nfrom advisor.cli import main\n"
            f"sys.exit(main(['report', '--profile', 'epyc-2core-cpu-halfcheetah', '-o', {str(tmp_path)!r}]))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    line = one_line_error(proc)
    assert "matplotlib" in line and "app extra" in line and "pip install" in line
    assert not list(tmp_path.iterdir())
