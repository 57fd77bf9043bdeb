"""The explorer page driven by Streamlit's AppTest: inputs change predictions, the conf.yaml is
valid, and broken or missing profiles give a clear message instead of a traceback."""

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")
RTX = "rtx3070-locomujoco"


def run(env_profile=None, monkeypatch=None) -> AppTest:
    if env_profile and monkeypatch:
        monkeypatch.setenv("ADVISOR_EXPLORE_PROFILE", env_profile)
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str, index: int = -1) -> str:
    return [m.value for m in at.metric if m.label == label][index]


def chart_tables(at: AppTest) -> list[list[dict]]:
    """Every data layer of every chart, as rows (inline in the spec, or Arrow datasets)."""
    import json

    import pyarrow as pa

    tables = []
    for chart in at.get("vega_lite_chart"):
        spec = json.loads(chart.proto.spec)
        tables += [layer["data"]["values"] for layer in spec.get("layer", []) if "values" in layer.get("data", {})]
        for dataset in chart.proto.datasets:
            tables.append(pa.ipc.open_stream(dataset.data.data).read_all().to_pylist())
    return tables


def test_page_shows_recommendation_your_settings_and_charts(monkeypatch):
    at = run(RTX, monkeypatch)
    assert not at.error
    assert metric(at, "num_envs", 0) == "4096" and metric(at, "num_minibatches", 0) == "64"
    assert len(at.get("vega_lite_chart")) == 2  # throughput and time to target (memory unknown here)
    assert any("not measured" in i.value for i in at.info)


def test_changing_num_envs_changes_the_prediction(monkeypatch):
    at = run(RTX, monkeypatch)
    before = metric(at, "time to target")
    at.number_input(key=f"num_envs-{RTX}").set_value(1024).run()
    assert not at.exception and not at.error
    after = metric(at, "time to target")
    assert before != after and metric(at, "minibatch size") == "800"  # 1024*50/64


def test_download_holds_a_valid_conf_for_the_choice(monkeypatch):
    at = run(RTX, monkeypatch)
    at.number_input(key=f"num_envs-{RTX}").set_value(2048).run()
    at.number_input(key=f"num_minibatches-{RTX}").set_value(32).run()
    [button] = at.download_button
    assert button.label == "Download conf.yaml"
    conf = yaml.safe_load(at.code[0].value)
    assert conf["experiment"]["num_envs"] == 2048 and conf["experiment"]["num_minibatches"] == 32
    assert conf["experiment"]["total_timesteps"] == 100_000_000
    assert "# measured train_sps: 80,524 env steps/s" in at.code[0].value  # 2048 x 32 is a measured config


def test_non_divisible_minibatches_name_the_nearest_valid_value(monkeypatch):
    at = run(RTX, monkeypatch)
    at.number_input(key=f"num_minibatches-{RTX}").set_value(63).run()
    assert not at.exception
    assert any("not divisible" in e.value and "use 64" in e.value for e in at.error)
    assert not at.download_button


def test_target_and_headroom_feed_the_recommendation(monkeypatch):
    at = run(RTX, monkeypatch)
    at.text_input(key="target").set_value("1.5B").run()
    assert "h" in metric(at, "time to target", 0)  # 1.5B steps at ~90k steps/s: hours
    at.text_input(key="target").set_value("abc").run()
    assert not at.exception and any("not a number" in e.value for e in at.error)


def test_broken_profile_shows_the_problem_not_a_traceback(advisor_home, monkeypatch):
    folder = advisor_home / "profiles"
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text('{"schema_version": 2, "name": "broken", "mjx": {"workload": 3}}')
    at = run("broken", monkeypatch)
    assert any("broken.json" in e.value and "invalid profile" in e.value for e in at.error)
    at.selectbox(key="profile").set_value(RTX).run()
    assert not at.error and not at.exception


def test_profile_deleted_after_listing_is_reported(advisor_home, monkeypatch):
    from profiler.profile import Profile
    from profiler.store import profile_path, save_profile
    from tests.advisor.kinds.mjx.test_recommend import section

    save_profile(Profile(name="gone", sections={"mjx": section()}))
    at = run("gone", monkeypatch)
    assert not at.error
    profile_path("gone").unlink()
    at.run()
    assert not at.exception
    assert any("no profile named 'gone'" in e.value for e in at.error)
    assert at.selectbox(key="profile").value in (RTX, "epyc-2core-cpu-humanoid")  # goes on with another profile


def test_unknown_requested_profile_is_reported(monkeypatch):
    at = run("no-such-profile", monkeypatch)
    assert any("no profile named 'no-such-profile'" in e.value for e in at.error)


def test_comparing_two_profiles_draws_both_with_memory_lines(advisor_home, monkeypatch):
    from profiler.profile import Profile
    from profiler.store import save_profile
    from tests.advisor.kinds.mjx.test_recommend import section

    save_profile(Profile(name="withmem", sections={"mjx": section()}))
    at = run("withmem", monkeypatch)
    at.selectbox(key="compare").set_value(RTX).run()
    assert not at.exception and not at.error
    rows = [row for table in chart_tables(at) for row in table]
    assert {r.get("profile") for r in rows} >= {"withmem", RTX}
    lines = {(r["profile"], r["line"]): r["gib"] for r in rows if "line" in r and "num_envs" not in r}
    # each profile's limits, drawn in its own colour: both are 8 GiB devices here
    assert lines == {(name, line): pytest.approx(gib) for name in ("withmem", RTX)
                     for line, gib in (("device memory", 8.0), ("headroom budget", 7.2), ("JAX default pool (75%)", 6.0))}
    markers = {r["marker"]: r["num_envs"] for r in rows if "marker" in r}
    assert markers == {"recommended = your choice": 8192}
    assert len(at.get("vega_lite_chart")) == 3
    # two profiles far apart share a logarithmic throughput axis
    import json

    throughput = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert throughput["layer"][1]["encoding"]["y"]["scale"] == {"type": "log"}


@pytest.fixture
def writeup_profile(advisor_home):
    from tests.conftest import run_cli

    proc = run_cli("profile", "import", str(ROOT / "benchmarks" / "data" / "rllib-writeup-i7-12700.csv"), "--kind",
                   "rllib", "--name", "writeup", "--device-name", "Intel Core i7-12700", "--cpus", "16")
    assert proc.returncode == 0, proc.stderr
    return "writeup"


def test_rllib_profile_shows_scaling_panels_and_a_snippet(writeup_profile, monkeypatch):
    at = run(writeup_profile, monkeypatch)
    assert not at.error
    assert metric(at, "runners x envs", 0) == "15 x 2"  # the throughput objective on 16 CPUs
    before = metric(at, "speedup")
    at.number_input(key="runners-writeup").set_value(4).run()
    at.selectbox(key="envs-writeup").set_value(1).run()
    assert not at.exception and not at.error
    assert metric(at, "speedup") != before
    assert metric(at, "efficiency", -1) == "67% (good)"  # 4 runners were measured: the write-up's 67%
    snippet = at.code[0].value
    assert "num_env_runners=4" in snippet and "PPOConfig()" in snippet
    compile(snippet, "ppo_config.py", "exec")  # the snippet is valid Python
    rows = [row for table in chart_tables(at) for row in table]
    assert {r["rating"] for r in rows if "rating" in r} == {"excellent", "good", "acceptable", "poor"}
    measured = {r["config"]: r["efficiency"] for r in rows if "config" in r and "marker" not in r}
    assert measured["4r x 1e"] == pytest.approx(0.67) and measured["8r x 2e"] == pytest.approx(0.36)
    assert len(at.get("vega_lite_chart")) == 2


def test_rllib_choice_ray_could_not_place_is_an_error(writeup_profile, monkeypatch):
    at = run(writeup_profile, monkeypatch)
    at.number_input(key="runners-writeup").set_value(4000).run()  # 15 CPUs cannot host 4000 runners
    assert not at.exception
    assert any("cannot share" in e.value and "fewer" in e.value for e in at.error)
    assert not [b for b in at.download_button if b.label == "Download PPOConfig snippet"]


@pytest.mark.parametrize("layers", ["0", "-5,0", "", "512,abc"])
def test_bad_hidden_layers_are_an_error_not_a_traceback_and_keep_the_recommendation(monkeypatch, layers):
    at = run(RTX, monkeypatch)
    at.text_input(key=f"layers-{RTX}").set_value(layers).run()
    assert not at.exception
    assert any("hidden layers must be comma-separated layer widths" in e.value for e in at.error)
    assert metric(at, "num_envs", 0) == "4096"  # the recommendation does not depend on them
    assert not at.download_button


def test_messages_with_asterisks_keep_them(monkeypatch):
    at = run(RTX, monkeypatch)
    at.number_input(key=f"num_minibatches-{RTX}").set_value(1000).run()
    [error] = [e.value for e in at.error if "not divisible" in e.value]
    # escaped for Markdown, so the page shows num_envs*num_steps = 4096*50 rather than italics
    assert "num\\_envs\\*num\\_steps" in error and "4096\\*50" in error


def test_comparing_profiles_of_different_kinds_says_so(writeup_profile, monkeypatch):
    at = run(RTX, monkeypatch)
    at.selectbox(key="compare").set_value(writeup_profile).run()
    assert not at.exception and not at.error
    assert any("writeup has no MJX measurements to compare with" in i.value for i in at.info)


@pytest.fixture
def command_profile(advisor_home):
    from profiler.store import save_profile
    from tests.advisor.kinds.command.profiles import command_profile

    save_profile(command_profile("torch-ex"))
    return "torch-ex"


def test_command_profile_shows_the_recommendation_its_command_points_and_charts(command_profile, monkeypatch):
    at = run(command_profile, monkeypatch)
    assert not at.error
    assert metric(at, "num_envs", 0) == "1024"
    assert metric(at, "fixed cost", 0) == "6.0s"  # the 1024-env point's own measured fixed cost
    # 100M steps rounded up to whole 1024 x 16 iterations at ~211k env steps/s, plus the fixed cost
    assert metric(at, "time to target", 0) == "8m00s"  # 6.0 s + 100,007,936 / 211,173 per s (1024 was measured)
    recommended = at.code[0].value
    assert recommended == ("WANDB_MODE=disabled python examples/torch_vec_reinforce.py --num-envs 1024 "
                           "--total-timesteps 100007936 --num-steps 16")
    [points] = at.dataframe
    table = points.value
    assert list(table["num_envs"]) == [64, 256, 1024, 4096] and list(table["status"]) == ["ok", "ok", "ok", "oom"]
    assert list(table["env steps/s"])[:3] == [69194, 149197, 211173]
    assert len(at.get("vega_lite_chart")) == 4  # throughput, peak memory, time to target, fixed cost
    import json

    throughput = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    titles = {layer["encoding"]["y"].get("title") for layer in throughput["layer"] if "y" in layer.get("encoding", {})}
    assert "env steps/s" in titles and not any(t and "train_sps" in t for t in titles)  # a command's axis
    rows = [row for t in chart_tables(at) for row in t]
    assert sorted(r["fixed_s"] for r in rows if set(r) == {"profile", "num_envs", "fixed_s"}) == [5.61, 5.67, 6.0]
    assert {r["line"] for r in rows if "line" in r and "num_envs" not in r} == {"device memory", "headroom budget"}
    assert [r["train_sps"] for r in rows if set(r) == {"profile", "num_envs", "train_sps"}] == [69194, 149197, 211173]
    curve = [r for r in rows if "low" in r and "train_sps" in r and not r["extrapolated"]]
    assert curve and all(r["low"] < r["train_sps"] < r["high"] for r in curve)


def test_command_page_evaluates_your_num_envs_and_prints_its_command(command_profile, monkeypatch):
    at = run(command_profile, monkeypatch)
    at.number_input(key=f"command-num_envs-{command_profile}").set_value(512).run()
    assert not at.exception and not at.error
    assert "--num-envs 512 --total-timesteps 100007936" in at.code[1].value
    assert metric(at, "fixed cost", 1) == "5.7s"  # not measured at 512: the median
    assert any("not measured at 512 envs" in w.value for w in at.warning)
    assert metric(at, "time to target", 1) != metric(at, "time to target", 0)
    at.number_input(key=f"command-num_envs-{command_profile}").set_value(4096).run()
    assert any("ran out of memory when measured (from 4096 envs)" in w.value for w in at.warning)
    at.text_input(key="command-target").set_value("1B").run()
    assert not at.exception and "--total-timesteps 1000013824" in at.code[0].value
    at.text_input(key="command-target").set_value("lots").run()
    assert not at.exception and any("not a number" in e.value for e in at.error)


def test_command_profile_without_a_finished_point_says_why(advisor_home, monkeypatch):
    import dataclasses

    from profiler.kinds.command.schema import CommandPoint
    from profiler.store import save_profile
    from tests.advisor.kinds.command.profiles import command_profile

    profile = command_profile("all-oom")
    section = profile.section("command")
    oom = tuple(CommandPoint(num_envs=n, status="oom", error="MemoryError") for n in (64, 256))
    save_profile(dataclasses.replace(profile, sections={"command": dataclasses.replace(section, points=oom)}))
    at = run("all-oom", monkeypatch)
    assert any("no recommendation" in w.value for w in at.warning)
    assert any("every measured size ran out of memory (from 64 envs)" in i.value for i in at.info)
    assert list(at.dataframe[0].value["status"]) == ["oom", "oom"] and not at.get("vega_lite_chart")
