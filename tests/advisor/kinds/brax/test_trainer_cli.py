"""The command line ``recommend --kind brax`` emits for Playground's trainer
(``learning/train_jax_ppo.py``): parsed by the script's own absl flag definitions where Playground
is installed, and by the flag names and kinds recorded from the released script everywhere; the
record is checked against the installed script."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from advisor.kinds.brax.trainer_cli import COMMAND, FLAGS
from tests.conftest import ROOT, run_cli

SHIPPED = "epyc-2core-cpu-brax-cartpole"


def installed_trainer() -> Path | None:
    """Playground's ``learning/train_jax_ppo.py`` as its wheel installed it, if it is installed."""
    try:
        path = Path(str(metadata.distribution("playground").locate_file("learning/train_jax_ppo.py")))
    except metadata.PackageNotFoundError:
        return None
    return path if path.exists() else None


# The script's own flags: import it (it defines them on absl's FLAGS), parse the arguments as its
# app.run would, and report each flag's parsed value and every flag it defines with its kind.
PARSE = """
import json, sys
from absl import flags
import learning.train_jax_ppo as trainer
args = json.loads(sys.argv[1])
flags.FLAGS([trainer.__file__, *args])
KINDS = {"IntegerParser": "int", "FloatParser": "float", "BooleanParser": "bool", "ListParser": "list",
         "ArgumentParser": "str"}
def kind(flag):
    name = type(flag.parser).__name__
    return list(flag.parser.enum_values) if name == "EnumParser" else KINDS[name]
names = [a[2:].split("=", 1)[0] for a in args]
print(json.dumps({"values": {n: flags.FLAGS[n].value for n in names},
                  "present": {n: bool(flags.FLAGS[n].present) for n in names},
                  "flags": {f.name: kind(f) for f in flags.FLAGS.get_flags_for_module(trainer)}}))
"""


def parse_with_the_installed_script(args: list[str]) -> dict:
    run = subprocess.run([sys.executable, "-c", PARSE, json.dumps(args)], capture_output=True, text=True,
                         timeout=300, cwd=ROOT, env={**os.environ, "JAX_PLATFORMS": "cpu"})
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def parse_with_the_record(args: list[str]) -> dict:
    """``--name=value`` arguments read by the recorded flag kinds (absl's forms for each)."""
    convert = {"int": int, "float": float, "str": str, "list": lambda v: v.split(","),
               "bool": lambda v: {"true": True, "false": False}[v.lower()]}
    values = {}
    for arg in args:
        assert arg.startswith("--") and "=" in arg, arg
        name, value = arg[2:].split("=", 1)
        assert name in FLAGS, f"train_jax_ppo.py has no --{name}"
        kind = FLAGS[name]
        if isinstance(kind, tuple):
            assert value in kind, (name, value, kind)
            values[name] = value
        else:
            values[name] = convert[kind](value)
    return values


def recommendation(*args: str) -> dict:
    proc = run_cli("recommend", "--kind", "brax", "--profile", SHIPPED, "--target", "60M", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_the_emitted_trainer_flags_set_exactly_the_recommended_ppo_params():
    data = recommendation()
    trainer = data["train_jax_ppo"]
    args = trainer["args"]
    assert trainer["command"] == " ".join([COMMAND, *map(shlex.quote, args)])
    expected = {"env_name": "CartpoleBalance", "impl": "jax", **data["params"]}
    assert parse_with_the_record(args) == expected
    if installed_trainer() is not None:
        parsed = parse_with_the_installed_script(args)
        assert parsed["values"] == expected and all(parsed["present"].values())


def test_the_recorded_flags_are_the_installed_scripts():
    if installed_trainer() is None:
        pytest.skip("Playground's learning/train_jax_ppo.py is not installed (the brax extra)")
    flags = parse_with_the_installed_script(["--env_name=CartpoleBalance"])["flags"]
    assert flags == {k: list(v) if isinstance(v, tuple) else v for k, v in FLAGS.items()}


def test_text_and_shell_script_carry_the_command(tmp_path):
    data = recommendation()
    text = run_cli("recommend", "--kind", "brax", "--profile", SHIPPED, "--target", "60M")
    assert text.returncode == 0 and data["train_jax_ppo"]["command"] in text.stdout
    script = tmp_path / "train.sh"
    assert run_cli("recommend", "--kind", "brax", "--profile", SHIPPED, "--target", "60M", "-o", str(script)).returncode == 0
    lines = script.read_text().splitlines()
    assert lines[0] == "#!/bin/sh" and lines[-1] == data["train_jax_ppo"]["command"]
    assert shlex.split(lines[-1])[1:] == data["train_jax_ppo"]["args"]


def test_a_locomotion_profile_names_playgrounds_locomotion_config(advisor_home):
    shipped = json.loads((ROOT / "advisor" / "defaults" / f"{SHIPPED}.json").read_text())
    shipped.update(name="go1-like", source="calibrated")
    shipped["brax"]["workload"].update(env="Go1JoystickFlatTerrain", family="locomotion")
    (advisor_home / "profiles").mkdir(parents=True)
    (advisor_home / "profiles" / "go1-like.json").write_text(json.dumps(shipped))
    proc = run_cli("recommend", "--kind", "brax", "--profile", "go1-like", "--target", "60M", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert "from mujoco_playground.config import locomotion_params" in data["python"]
    assert "locomotion_params.brax_ppo_config('Go1JoystickFlatTerrain', 'jax')" in data["python"]
    assert data["train_jax_ppo"]["args"][0] == "--env_name=Go1JoystickFlatTerrain"
