"""Placeholders of a user's command: found, checked and substituted into the argument list."""

import pytest

from profiler.errors import BadInput
from profiler.kinds.command.placeholders import check_command, placeholders, substitute, values_at


def test_placeholders_are_found_and_substituted_argument_by_argument():
    argv = ["python", "train.py", "--num-envs={num_envs}", "--steps", "{total_timesteps}", "{{literal}}", "a b"]
    assert placeholders(argv) == {"num_envs", "total_timesteps"}
    assert substitute(argv, {"num_envs": 64, "total_timesteps": 1000}) == [
        "python", "train.py", "--num-envs=64", "--steps", "1000", "{literal}", "a b"]


def test_num_minibatches_follows_the_exact_divisibility_rule():
    values = values_at(48, 10_000, num_steps=50, minibatch_size=3200)
    assert values["num_minibatches"] == 1  # 2400 samples: one minibatch is nearest 3200
    assert values_at(2048, 1, num_steps=50, minibatch_size=3200)["num_minibatches"] == 32
    assert "num_minibatches" not in values_at(64, 1, num_steps=1, minibatch_size=None)


@pytest.mark.parametrize(("argv", "message"), [
    (["python", "train.py", "--total-timesteps", "{total_timesteps}"], "no {num_envs} placeholder"),
    (["python", "train.py", "{num_envs}", "{seed}"], "unknown placeholder {seed}"),
    (["python", "train.py", "{num_envs:04d}", "{total_timesteps}"], "takes no format"),
    (["python", "train.py", "{num_envs", "{total_timesteps}"], "literal brace"),
    (["python", "train.py", "{num_envs}"], "no {total_timesteps} placeholder"),
    (["python", "train.py", "{num_envs}", "{total_timesteps}", "{num_steps}"], "give its value with --num-steps"),
    ([], "no command given"),
])
def test_a_command_advisor_cannot_sweep_is_refused_naming_the_fix(argv, message):
    with pytest.raises(BadInput, match=message.replace("{", r"\{").replace("}", r"\}")):
        check_command(argv, differential=True, num_steps_given=False)


def test_a_printed_figure_needs_no_total_timesteps():
    assert check_command(["python", "t.py", "{num_envs}"], differential=False, num_steps_given=False) == {"num_envs"}
