"""RLlib recommendation, prediction and emitters on the source write-up's table (no Ray)."""

import pytest
import yaml

from advisor.errors import BadInput
from advisor.kinds.rllib.conf import emit_python, emit_yaml, settings
from advisor.kinds.rllib.recommend import predict_rllib, recommend_rllib
from models.workers import fit_workers
from profiler.kinds.rllib.schema import RllibPoint, RllibSection, RllibWorkload

WRITEUP = {(1, 1): 1000, (2, 1): 1724, (4, 1): 2680, (8, 1): 4120, (8, 2): 5760, (1, 2): 1568}


def section(points=WRITEUP, ray_cpus=16.0, **kwargs):
    pts = tuple(RllibPoint(r, e, env_steps_per_s=float(v), env_steps_per_s_samples=(float(v),), startup_s=20.0)
                for (r, e), v in points.items())
    return RllibSection(RllibWorkload(), points=pts, ray_cpus=ray_cpus, **kwargs)


def test_throughput_objective_takes_the_fastest_setting_the_cpus_allow():
    rec = recommend_rllib(fit_workers(section()), 100_000_000, profile="writeup")
    assert rec.ok
    runners = {o.num_env_runners for o in rec.options}
    assert runners == set(range(1, 16))  # 16 CPUs minus 1 for the driver
    assert {o.num_envs_per_env_runner for o in rec.options} == {1, 2}
    c = rec.chosen
    assert c.env_steps_per_s == max(o.env_steps_per_s for o in rec.options)
    assert (c.num_env_runners, c.num_envs_per_env_runner, c.num_cpus_per_env_runner) == (15, 2, 1.0)
    assert c.extrapolated and any("extrapolated" in n for n in rec.notes)
    # 100M steps = 6104 iterations of 16384 (ceil) = 100,007,936 steps, plus the 20 s start-up
    assert c.iterations == 6104 and c.env_steps == 100_007_936
    assert c.time_s == pytest.approx(20.0 + 100_007_936 / c.env_steps_per_s)
    assert c.time_low_s < c.time_s < c.time_high_s
    assert c.efficiency == pytest.approx(c.speedup / 30)
    assert rec.scaling["form"] in ("amdahl", "usl") and rec.scaling["envs_per_runner"] == 1


def test_efficiency_objective_takes_the_most_steps_per_cpu():
    rec = recommend_rllib(fit_workers(section()), 100_000_000, profile="writeup", objective="efficiency")
    best = max(o.env_steps_per_s / (o.num_env_runners + 1) for o in rec.options)
    assert rec.chosen.env_steps_per_s_per_cpu == pytest.approx(best)
    assert rec.chosen.num_env_runners < 8


def test_oversubscribed_runners_get_a_cpu_share_and_a_note():
    two_core = section({(1, 1): 400, (2, 1): 790, (1, 2): 700}, ray_cpus=2.0)
    rec = recommend_rllib(fit_workers(two_core), 10_000_000, profile="two")
    by_key = {(o.num_env_runners, o.num_envs_per_env_runner): o for o in rec.options}
    assert set(by_key) == {(1, 1), (2, 1), (1, 2), (2, 2)}
    assert by_key[(2, 1)].num_cpus_per_env_runner == 0.5 and by_key[(2, 1)].cpus_used == 2.0
    assert any("oversubscribed" in n for n in rec.notes)


def test_no_recommendation_is_an_answer_with_its_reason():
    rec = recommend_rllib(fit_workers(section({(1, 1): 400, (1, 2): 700})), 1_000_000, profile="one-runner")
    assert not rec.ok and "two or more runner counts" in rec.reason
    with pytest.raises(BadInput, match="objective"):
        recommend_rllib(fit_workers(section()), 1000, profile="x", objective="fast")


def test_predict_rows_follow_the_design_contract():
    rows = predict_rllib(fit_workers(section()), [1, 4, 15], [1])
    assert [list(r)[:5] for r in rows] == [["num_env_runners", "num_envs_per_env_runner", "env_steps_per_s",
                                            "speedup", "efficiency"]] * 3
    assert [r["extrapolated"] for r in rows] == [False, False, True]
    assert rows[0]["speedup"] == pytest.approx(1.0) and rows[0]["efficiency"] == pytest.approx(1.0)
    assert rows[1]["efficiency"] == pytest.approx(rows[1]["speedup"] / 4)
    assert rows[0]["env_steps_per_s"] < rows[1]["env_steps_per_s"] < rows[2]["env_steps_per_s"]
    with pytest.raises(BadInput, match="no measurements at 3 envs per runner"):
        predict_rllib(fit_workers(section()), [1], [3])


def test_emitted_yaml_and_python_carry_the_same_settings():
    rec = recommend_rllib(fit_workers(section()), 100_000_000, profile="writeup")
    conf = yaml.safe_load(emit_yaml(rec))
    wanted = settings(rec)
    for block in ("environment", "env_runners", "learners", "training", "rl_module"):
        assert conf[block] == wanted[block]
    assert conf["env_runners"] == {"num_env_runners": 15, "num_envs_per_env_runner": 2, "num_cpus_per_env_runner": 1.0}
    assert conf["training"]["train_batch_size_per_learner"] == 16384 and conf["training"]["minibatch_size"] == 4096
    assert conf["stop"] == {"num_env_steps_sampled_lifetime": 100_000_000}
    code = emit_python(rec)
    compile(code, "snippet.py", "exec")
    for text in ("num_env_runners=15", "num_envs_per_env_runner=2", "num_cpus_per_env_runner=1.0",
                 "train_batch_size_per_learner=16384", "minibatch_size=4096", "lambda_=0.95", "lr=0.0003",
                 '.environment("HalfCheetah-v5")', "predicted:"):
        assert text in code


def test_the_snippet_for_a_users_own_env_registers_its_entry_point():
    import dataclasses

    custom = dataclasses.replace(section(), workload=RllibWorkload(env_id="my_envs.grid:GridEnv"))
    code = emit_python(recommend_rllib(fit_workers(custom), 1_000_000, profile="mine"))
    compile(code, "snippet.py", "exec")
    assert ('register_env("my_envs.grid:GridEnv", lambda env_config: load_env_creator("my_envs.grid:GridEnv")'
            '(**env_config))') in code
    assert code.index("register_env(") < code.index('.environment("my_envs.grid:GridEnv")')
    assert "register_env" not in emit_python(recommend_rllib(fit_workers(section()), 1_000_000, profile="writeup"))
