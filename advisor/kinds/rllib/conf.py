"""RLlib settings as text: a Python snippet of ``PPOConfig`` calls and the same settings as YAML.

The YAML groups keys by the ``PPOConfig`` method that takes them (``env_runners``,
``learners``, ``training``, ``rl_module``), so ``config.env_runners(**conf["env_runners"])``
applies a block. Both carry a comment header with the numbers behind them. Pure functions.
"""

from __future__ import annotations

import json

import yaml

from advisor.kinds.rllib.recommend import RllibRecommendation
from advisor.recommendation import header_start, throughput_line
from advisor.units import format_duration
from profiler.kinds.rllib.env_entry import is_entry_point


def header_lines(rec: RllibRecommendation) -> list[str]:
    """Provenance and the numbers behind the settings."""
    c = rec.chosen
    assert c is not None
    s = rec.scaling
    lines = [
        *header_start(rec, f"RLlib PPO, {rec.workload.env_id}"),
        throughput_line("", "setting", c.env_steps_per_s, c.fit_env_steps_per_s,
                        (c.env_steps_per_s_low, c.env_steps_per_s_high), c.measured, c.extrapolated),
        f"time to target: {format_duration(c.time_s)} ({format_duration(c.time_low_s)}-{format_duration(c.time_high_s)})"
        + (f", start-up {format_duration(rec.startup_s)} included" if rec.startup_s else ""),
        f"iterations: {c.iterations} x {rec.workload.train_batch_size_per_learner} env steps = {c.env_steps:,} env steps",
    ]
    if c.speedup is not None:
        lines.append(f"speedup {c.speedup:.2f}x over 1 runner x 1 env, parallel efficiency {c.efficiency:.1%} "
                     f"({c.rating}) over {c.num_env_runners * c.num_envs_per_env_runner} envs")
    if s:
        peak = (f"peak at {s['peak_runners']:.1f} runners" if s.get("peak_runners") is not None
                else "no peak (throughput keeps rising)")
        lines.append(f"scaling fit ({s['form']}): sigma {s['sigma']:.3f}, kappa {s['kappa']:.4f}, {peak}")
    lines.append(f"CPUs: {c.cpus_used:g} ({c.num_env_runners} runners x {c.num_cpus_per_env_runner:g} + "
                 f"{rec.driver_cpus:g} for the driver and learner)")
    lines.append(f"chosen as {rec.reason}")
    return lines + [f"note: {n}" for n in rec.notes]


def settings(rec: RllibRecommendation) -> dict[str, dict]:
    """The recommended settings, grouped by ``PPOConfig`` method."""
    c = rec.chosen
    assert c is not None
    w = rec.workload
    return {
        "environment": {"env": w.env_id},
        "env_runners": {"num_env_runners": c.num_env_runners, "num_envs_per_env_runner": c.num_envs_per_env_runner,
                        "num_cpus_per_env_runner": c.num_cpus_per_env_runner},
        "learners": {"num_learners": w.num_learners},
        "training": {"lr": w.lr, "lambda_": w.lambda_, "num_epochs": w.num_epochs,
                     "train_batch_size_per_learner": w.train_batch_size_per_learner, "minibatch_size": w.minibatch_size},
        "rl_module": {"model_config": {"fcnet_hiddens": list(w.fcnet_hiddens), "fcnet_activation": w.fcnet_activation}},
    }


def comment_header(rec: RllibRecommendation) -> str:
    return "".join(f"# {line}\n" for line in header_lines(rec))


def emit_yaml(rec: RllibRecommendation, header: bool = True) -> str:
    """The settings as YAML (a stop condition at the target included), the header as comments."""
    data = settings(rec)
    data["stop"] = {"num_env_steps_sampled_lifetime": rec.target_steps}
    header = comment_header(rec) if header else ""
    return header + yaml.safe_dump(data, sort_keys=False, default_flow_style=False)


def emit_python(rec: RllibRecommendation, header: bool = True) -> str:
    """A runnable snippet building the recommended ``PPOConfig`` and training to the target."""
    s = settings(rec)

    def call(method: str, values: dict) -> str:
        inner = "".join(f"        {k}={_py(v)},\n" for k, v in values.items())
        return f"    .{method}(\n{inner}    )\n"

    model = s["rl_module"]["model_config"]
    header = comment_header(rec) if header else ""
    env = rec.workload.env_id
    register = ("from gymnasium.envs.registration import load_env_creator\n"
                "from ray.tune.registry import register_env\n\n"
                f"register_env({_py(env)}, lambda env_config: load_env_creator({_py(env)})(**env_config))\n\n"
                if is_entry_point(env) else "")  # your own env, as advisor calibrated it
    return (
        header
        + "from ray.rllib.algorithms.ppo import PPOConfig\n"
        + "from ray.rllib.core.rl_module.default_model_config import DefaultModelConfig\n"
        + ("" if register else "\n") + register
        + "config = (\n    PPOConfig()\n"
        + f"    .environment({_py(rec.workload.env_id)})\n"
        + call("env_runners", s["env_runners"]) + call("learners", s["learners"]) + call("training", s["training"])
        + f"    .rl_module(model_config=DefaultModelConfig(fcnet_hiddens={model['fcnet_hiddens']!r}, "
        + f"fcnet_activation={_py(model['fcnet_activation'])}))\n)\n\n"
        + "if __name__ == \"__main__\":\n"
        + "    algo = config.build_algo()\n"
        + f"    while algo.train()[\"num_env_steps_sampled_lifetime\"] < {rec.target_steps}:\n"
        + "        pass\n"
        + "    algo.stop()\n"
    )


def _py(value: object) -> str:
    """A Python literal; strings in double quotes (JSON's quoting is valid Python for them)."""
    return json.dumps(value) if isinstance(value, str) else repr(value)
