"""The CLI as a user runs it: real subprocesses, exit codes, JSON contracts, one-line errors."""

import dataclasses
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, _jax_sees_a_gpu, one_line_error, run_cli

SOURCE_CSV = ROOT / "advisor" / "defaults" / "sources" / "rtx3070-locomujoco.csv"
DATA = Path(__file__).resolve().parents[1] / "data"


def import_rtx(name="my3070"):
    proc = run_cli("profile", "import", str(SOURCE_CSV), "--kind", "mjx", "--name", name,
                   "--device-name", "NVIDIA GeForce RTX 3070", "--device-memory-bytes", "8589934592")
    assert proc.returncode == 0, proc.stderr
    return proc


def test_import_then_predict_follows_the_design_contract():
    import_rtx()
    proc = run_cli("predict", "--profile", "my3070", "--num-envs", "1024,8192", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["num_envs"] for r in rows] == [1024, 8192]
    for row in rows:
        assert set(row) >= {"num_envs", "train_sps", "train_sps_low", "train_sps_high", "peak_vram_bytes",
                            "peak_vram_bytes_upper"}
        assert row["train_sps_low"] < row["train_sps"] < row["train_sps_high"]
        assert row["peak_vram_bytes"] is None  # the write-up's VRAM column is not a footprint
    # 1024 was measured at 65,604 steps/s: the fit must be close, 8192 is extrapolated
    assert abs(rows[0]["train_sps"] / 65604 - 1) < 0.1
    assert rows[1]["extrapolated"] and not rows[0]["extrapolated"]


def test_shipped_profile_is_the_import_of_its_source_csv():
    import_rtx("fromcsv")
    mine = json.loads(run_cli("profile", "show", "fromcsv", "--json").stdout)
    shipped = json.loads(run_cli("profile", "show", "rtx3070-locomujoco", "--json").stdout)
    assert mine["mjx"]["points"] == shipped["mjx"]["points"]
    assert shipped["mjx"]["memory_source"] == "unknown" and shipped["source"] == "shipped"


def test_recommend_from_shipped_profile_json_and_yaml():
    proc = run_cli("recommend", "--profile", "rtx3070-locomujoco", "--target", "100M", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    chosen = data["chosen"]
    assert chosen["num_envs"] in (2048, 4096)
    assert (chosen["num_envs"] * 50) % chosen["num_minibatches"] == 0
    assert chosen["minibatch_size"] == 3200
    conf = yaml.safe_load(data["conf_yaml"])["experiment"]
    assert conf["num_envs"] == chosen["num_envs"] and conf["total_timesteps"] == 100_000_000
    assert 15 * 60 < chosen["time_s"] < 25 * 60  # the write-up predicts ~19-20 min at 86k steps/s


def test_recommend_writes_conf_and_merges_base(tmp_path):
    out = tmp_path / "conf.yaml"
    proc = run_cli("recommend", "--profile", "rtx3070-locomujoco", "--target", "1.5B", "--base",
                   str(DATA / "locomujoco_conf.yaml"), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    merged = yaml.safe_load(out.read_text())
    original = yaml.safe_load((DATA / "locomujoco_conf.yaml").read_text())
    assert merged["experiment"]["total_timesteps"] == 1_500_000_000
    for key in set(original["experiment"]) - {"num_envs", "num_minibatches", "total_timesteps"}:
        assert merged["experiment"][key] == original["experiment"][key]
    assert "# tuned by hand last week" in out.read_text()


def test_recommend_without_profile_names_the_closest_shipped_default():
    proc = run_cli("recommend", "--target", "100M")
    assert proc.returncode == 0, proc.stderr
    assert "shipped default closest to this machine" in proc.stdout


def test_bad_input_is_one_line_exit_2(tmp_path):
    recursive = tmp_path / "recursive.yaml"
    recursive.write_text("experiment: {num_envs: 64}\na: &a [*a]\n")
    broken_xml = tmp_path / "broken.xml"
    broken_xml.write_text('<mujoco><worldbody><body><geom type="sphere" size="x"/></body></worldbody></mujoco>')
    not_utf8 = tmp_path / "latin1.csv"
    not_utf8.write_bytes(b"num_envs,num_steps,num_minibatches,update_epochs,train_sps,peak_vram_bytes\n"
                         b"64,50,32,4,1000,\n128,50,3\xff2,4,1800,\n")
    cases = [
        (("recommend", "--profile", "rtx3070-locomujoco", "--target", "abc"), "100M"),
        (("recommend", "--profile", "rtx3070-locomujoco", "--target", "0"), "at least 1"),
        (("recommend", "--profile", "no-such-profile", "--target", "100M"), "advisor calibrate"),
        (("recommend", "--profile", "rtx3070-locomujoco", "--target", "1M", "--objective", "fast"), "efficient"),
        (("recommend", "--profile", "rtx3070-locomujoco", "--target", "1M", "--base", str(tmp_path / "nope.yaml")),
         "cannot read"),
        (("calibrate", "mjx", "--model", "unicorn", "--num-envs", "64"), "unknown model"),
        (("calibrate", "mjx", "--num-envs", "64,100", "--num-minibatches", "32", "--num-steps", "50"),
         "divisible by num_minibatches=32"),
        (("calibrate", "mjx", "--num-envs", "64,abc"), "whole number"),
        (("predict", "--profile", "rtx3070-locomujoco", "--num-envs", "-3"), "outside"),
        (("profile", "show", "../../etc/passwd"), "not allowed"),
        (("profile", "import", str(tmp_path / "missing.csv"), "--kind", "mjx", "--name", "x"), "cannot read"),
        (("recommend", "--profile", "rtx3070-locomujoco", "--target", "100M", "-o", str(tmp_path)), "is a folder"),
        (("recommend", "--profile", "", "--target", "100M"), "--profile is empty"),
        (("recommend", "--profile", "rtx3070-locomujoco", "--target", "1,5B"), "may only separate thousands"),
        (("recommend", "--profile", "rtx3070-locomujoco", "--target", "1e400"), "beyond 1e15"),
        (("recommend", "--profile", "rtx3070-locomujoco", "--target", "100M", "--tolerance", "abc"),
         "see 'advisor recommend --help'"),
        (("recommend",), "--target is required"),
        (("nosuch",), "No such command"),
        (("recommend", "--profile", "rtx3070-locomujoco", "--target", "100M", "--base", str(recursive)),
         "refers to itself"),
        (("calibrate", "mjx", "--model", str(broken_xml), "--num-envs", "64"), "MuJoCo cannot load it"),
        (("calibrate", "mjx", "--num-envs", "64,,256"), "empty item"),
        (("calibrate", "mjx", "--num-envs", "64", "--timeout", "nan"), "--timeout nan is out of range"),
        (("calibrate", "mjx", "--num-envs", "64", "--num-minibatches", "8", "--minibatch-size", "3200"), "give one"),
        (("profile", "import", str(not_utf8), "--kind", "mjx", "--name", "x"), "row 3, character 9: not UTF-8"),
        (("recommend", "--profile", "rtx3070-locomujoco", "--target", "100M", "-o", "/proc/no-such/conf.yaml"),
         "cannot write it"),
    ]
    for args, expected in cases:
        line = one_line_error(run_cli(*args))
        assert expected in line, (args, line)


def test_corrupted_profile_is_reported_and_left_untouched(advisor_home):
    folder = advisor_home / "profiles"
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text('{"schema_version": 1, "name": ')
    line = one_line_error(run_cli("recommend", "--profile", "broken", "--target", "100M"))
    assert "broken.json" in line and "not valid JSON" in line
    assert (folder / "broken.json").read_text() == '{"schema_version": 1, "name": '
    listing = run_cli("profile", "list", "--json")
    assert listing.returncode == 0
    assert any(r["name"] == "broken" and r["error"] for r in json.loads(listing.stdout))


def test_fast_commands_import_no_jax_ray_or_torch():
    rllib_csv = ROOT / "benchmarks" / "data" / "rllib-writeup-i7-12700.csv"
    code = (
        "import sys\n"
        "from advisor.cli import main\n"
        f"assert main(['profile','import',{str(rllib_csv)!r},'--kind','rllib','--name','rl','--cpus','16']) == 0\n"
        "for argv in (['recommend','--profile','rtx3070-locomujoco','--target','100M','--json'],\n"
        "             ['predict','--profile','rtx3070-locomujoco','--num-envs','64','--json'],\n"
        "             ['profile','show','rtx3070-locomujoco','--json'], ['profile','list','--json'],\n"
        "             ['recommend','--kind','rllib','--profile','rl','--target','100M','--json'],\n"
        "             ['recommend','--kind','rllib','--profile','rl','--target','100M'],\n"
        "             ['predict','--profile','rl','--runners','1,4,15','--envs-per-runner','1,2','--json'],\n"
        "             ['profile','show','rl'], ['profile','show','rl','--json']):\n"
        "    assert main(argv) == 0\n"
        "heavy = sorted(m for m in ('jax', 'ray', 'torch', 'mujoco', 'sklearn', 'streamlit', 'matplotlib',\n"
        "                           'gymnasium') if m in sys.modules)\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stderr


def test_help_explains_units():
    proc = run_cli("recommend", "--help")
    assert proc.returncode == 0
    assert "env steps/s" in proc.stdout and "bytes" in proc.stdout and "100M" in proc.stdout


def test_validate_reports_leave_one_out_per_curve():
    proc = run_cli("validate", "--profile", "rtx3070-locomujoco", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    [sps] = report["curves"]  # memory is unknown in this profile: only the throughput curve
    assert sps["curve"] == "train_sps" and len(sps["rows"]) == 7
    row = next(r for r in sps["rows"] if r["num_envs"] == 1024)
    assert row["measured"] == 65604 and abs(row["predicted"] / row["measured"] - 1 - row["error"]) < 1e-9
    assert sps["median_abs_error_interior"] < 0.1
    human = run_cli("validate", "--profile", "rtx3070-locomujoco")
    assert "leave-one-out" in human.stdout and "interior points: median" in human.stdout


def test_memory_at_a_compiled_but_unrun_size_comes_from_xla(advisor_home):
    from profiler.kinds.mjx.schema import MjxPoint, MjxSection, MjxWorkload
    from profiler.profile import Accelerator, Profile
    from profiler.store import save_profile

    points = [MjxPoint(num_envs=n, train_sps=n * 50 / (0.3 + 5e-4 * n), train_sps_samples=(n * 50 / (0.3 + 5e-4 * n),),
                       peak_bytes=int(3e8 + 1.05 * (1e7 + 1e5 * n)), xla_bytes=int(1e7 + 1e5 * n))
              for n in (64, 256, 1024, 4096)]
    points.append(MjxPoint(num_envs=65536, status="compiled", xla_bytes=int(1e7 + 1e5 * 65536)))
    section = MjxSection(workload=MjxWorkload(), accelerator=Accelerator("gpu", "G", 80 * 2**30),
                         memory_source="jax_allocator_peak", points=tuple(points))
    save_profile(Profile(name="withxla", sections={"mjx": section}))
    rows = json.loads(run_cli("predict", "--profile", "withxla", "--num-envs", "2048,65536", "--json").stdout)
    assert [r["memory_basis"] for r in rows] == ["xla-fit", "xla"]  # 2048 was not compiled: XLA's bytes predicted
    expected = 3e8 + 1.05 * (1e7 + 1e5 * 65536)
    assert abs(rows[1]["peak_vram_bytes"] / expected - 1) < 1e-6
    assert rows[1]["peak_vram_bytes_upper"] >= rows[1]["peak_vram_bytes"]


def test_output_goes_through_links_and_into_devices_never_replacing_them(tmp_path):
    real = tmp_path / "real.yaml"
    real.write_text("old")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    proc = run_cli("recommend", "--profile", "rtx3070-locomujoco", "--target", "100M", "-o", str(link))
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and "num_envs: 4096" in real.read_text()
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    proc = run_cli("recommend", "--profile", "rtx3070-locomujoco", "--target", "100M", "-o", str(fifo))
    assert proc.returncode == 0, proc.stderr
    assert b"num_envs: 4096" in reader.communicate(timeout=30)[0]
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still a pipe, not a file put in its place


def test_csv_from_a_spreadsheet_with_a_byte_order_mark_imports(tmp_path):
    csv = tmp_path / "excel.csv"
    csv.write_bytes(b"\xef\xbb\xbfnum_envs,num_steps,num_minibatches,update_epochs,train_sps,peak_vram_bytes\n"
                    b"64,50,32,4,1000,\n128,50,32,4,1800,\n")
    proc = run_cli("profile", "import", str(csv), "--kind", "mjx", "--name", "excel")
    assert proc.returncode == 0, proc.stderr


def test_an_unusable_data_folder_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    csv = tmp_path / "ok.csv"
    csv.write_text("num_envs,num_steps,num_minibatches,update_epochs,train_sps,peak_vram_bytes\n64,50,32,4,1000,\n"
                   "128,50,32,4,1800,\n")
    proc = run_cli("profile", "import", str(csv), "--kind", "mjx", "--name", "x", env={"ADVISOR_HOME": str(blocker)})
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1 and len(lines) == 1 and "Traceback" not in proc.stderr
    assert "Not a directory" in lines[0] and "ADVISOR_HOME" in lines[0]


def test_predict_takes_the_minibatch_count_and_rollout_length_of_the_config():
    proc = run_cli("predict", "--profile", "h100-humanoid", "--num-envs", "4096", "--num-minibatches", "32",
                   "--target", "100M", "--json")
    [measured] = json.loads(proc.stdout)
    proc = run_cli("predict", "--profile", "h100-humanoid", "--num-envs", "4096", "--num-minibatches", "128",
                   "--num-steps", "25", "--json")
    [other] = json.loads(proc.stdout)
    assert (measured["num_minibatches"], measured["num_steps"], measured["num_updates"]) == (32, 50, 488)
    assert measured["extrapolated_axes"] == [] and measured["basis"] == "fused"
    assert (other["num_minibatches"], other["num_steps"], other["minibatch_size"]) == (128, 25, 800)
    assert other["extrapolated_axes"] == ["num_minibatches", "num_steps"] and other["num_updates"] is None
    assert other["gradient_steps_per_update"] == 512 and other["gradient_steps_per_sample"] == 512 / 102_400
    assert other["train_sps_high"] / other["train_sps_low"] > measured["train_sps_high"] / measured["train_sps_low"]
    bad = run_cli("predict", "--profile", "h100-humanoid", "--num-envs", "4096", "--num-minibatches", "3")
    assert bad.returncode == 2 and "predict it with --num-minibatches 2," in bad.stderr and bad.stdout == ""


def test_predict_answers_the_valid_configs_of_a_list_and_names_the_others_with_the_fix():
    # the profile measured 32 minibatches: 100*50 and 1000*50 do not divide into 32
    proc = run_cli("predict", "--profile", "epyc-2core-cpu-humanoid", "--num-envs", "16,100,1000,64", "--json")
    assert proc.returncode == 2
    assert [r["num_envs"] for r in json.loads(proc.stdout)] == [16, 64]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("advisor: num_envs 100: 100*50 = 5,000 env steps")
    assert "profile's num_minibatches=32" in lines[0] and "predict it with --num-minibatches 25" in lines[0]
    assert lines[1].startswith("advisor: num_envs 1000:") and "multiples of 16" in lines[1]
    # the fix, as printed, answers it
    fixed = run_cli("predict", "--profile", "epyc-2core-cpu-humanoid", "--num-envs", "100", "--num-minibatches", "25",
                    "--json")
    assert fixed.returncode == 0 and json.loads(fixed.stdout)[0]["num_minibatches"] == 25
    table = run_cli("predict", "--profile", "epyc-2core-cpu-humanoid", "--num-envs", "16,100")
    assert table.returncode == 2 and "│       16 │" in table.stdout and "num_envs 100:" in table.stderr


def test_validate_kind_keeps_one_kind_of_a_profile_that_holds_two(advisor_home):
    from advisor.catalog import load_shipped
    from profiler.store import profile_path, save_profile

    both = load_shipped("epyc-2core-cpu-humanoid").with_section(
        "rllib", load_shipped("epyc-2core-cpu-halfcheetah").section("rllib"))
    save_profile(dataclasses.replace(both, name="both"), profile_path("both"))
    every = json.loads(run_cli("validate", "--profile", "both", "--json").stdout)
    assert {c["kind"] for c in every["curves"]} == {"mjx", "rllib"}
    for kind in ("mjx", "rllib"):
        one = json.loads(run_cli("validate", "--profile", "both", "--kind", kind, "--json").stdout)
        assert one["curves"] == [c for c in every["curves"] if c["kind"] == kind] != []
    line = one_line_error(run_cli("validate", "--profile", "rtx3070-locomujoco", "--kind", "rllib"))
    assert "no rllib measurements" in line


def test_platform_gpu_without_a_gpu_is_refused_before_the_plan():
    """--platform gpu leaves the backend to JAX (JAX_PLATFORMS=gpu asks for ROCm too, which a CUDA-only
    jax refuses), so the probe itself must refuse a machine whose JAX sees no GPU, naming the fix."""
    if _jax_sees_a_gpu():
        pytest.skip("JAX sees a GPU here")
    proc = run_cli("calibrate", "mjx", "--platform", "gpu", "--name", "nogpu", "--num-envs", "16", timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "plan:" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == (
        "advisor: --platform gpu, but JAX sees no GPU here (its backend is cpu); install a CUDA build of jax, "
        "e.g. pip install 'jax[cuda12]', or use --platform cpu")


def test_deleting_a_shipped_profile_says_it_is_shipped_and_read_only(advisor_home):
    line = one_line_error(run_cli("profile", "delete", "h100-humanoid"))
    assert "'h100-humanoid' is shipped with advisor and read-only" in line
    assert (ROOT / "advisor" / "defaults" / "h100-humanoid.json").exists()
    assert "no local profile 'nosuch'" in one_line_error(run_cli("profile", "delete", "nosuch"))


def test_an_import_without_device_memory_says_what_it_cannot_check_and_how_to_give_it(advisor_home, tmp_path):
    csv = tmp_path / "gpu.csv"
    csv.write_text("num_envs,num_steps,num_minibatches,update_epochs,train_sps,peak_vram_bytes\n"
                   "1024,50,32,4,400000,1181116006\n4096,50,32,4,1200000,2147483648\n8192,50,32,4,1700000,3328599654\n")
    imported = run_cli("profile", "import", str(csv), "--kind", "mjx", "--name", "nomem")
    assert imported.returncode == 0 and "--device-memory-bytes" in imported.stdout
    text = run_cli("recommend", "--profile", "nomem", "--target", "100M").stdout
    header = [line for line in text.splitlines() if line.startswith("# ")]
    peak = next(line for line in header if line.startswith("# peak memory:"))
    assert "unknown (not measured" not in peak and "upper bound" in peak and "--device-memory-bytes" in peak
    assert not any("pool is enough" in line for line in header)
    assert any("device memory not given" in line for line in header)
    data = json.loads(run_cli("recommend", "--profile", "nomem", "--target", "100M", "--json").stdout)
    upper = data["chosen"]["peak_bytes_upper"]
    from advisor.units import format_bytes

    assert f"upper bound {format_bytes(upper)}" in peak  # the header reads the table's number
    assert any("--device-memory-bytes" in note for note in data["notes"])
    # given the memory, the check is made and said
    again = run_cli("profile", "import", str(csv), "--kind", "mjx", "--name", "nomem", "--force",
                    "--device-memory-bytes", str(8 * 2**30))
    assert again.returncode == 0 and "--device-memory-bytes" not in again.stdout
    header = run_cli("recommend", "--profile", "nomem", "--target", "100M").stdout
    assert "of 8.0 GiB)" in header and "pool is enough" in header
