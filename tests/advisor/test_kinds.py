"""The registry of workload kinds and the options kinds add to generic commands."""

import inspect

import pytest

from advisor import kinds
from advisor.cli.options import options_for, with_kind_options
from advisor.errors import BadInput
from profiler.kinds import known_kinds, section_types


def test_every_registered_kind_has_a_section_schema_and_the_other_way_round():
    assert kinds.names() == ("mjx", "rllib", "command", "brax") and kinds.default_kind().name == "mjx"
    assert set(kinds.names()) == set(known_kinds())
    for kind in kinds.kinds():
        assert kind.name and kind.title and kind.short
        assert kind.default_objective in kind.objectives
        assert section_types()[kind.name].__name__.endswith("Section")


def test_an_unknown_kind_names_the_known_ones():
    with pytest.raises(BadInput, match="--kind 'ray' is unknown; use mjx or rllib or command"):
        kinds.get("ray")


def test_generic_commands_get_every_kinds_options_once():
    def command(target: str, **kind_options) -> int:
        return 0

    composed = inspect.signature(with_kind_options(command, "recommend_options")).parameters
    assert list(composed)[:1] == ["target"]
    assert {"tolerance", "memory_headroom", "minibatch_size", "base"} <= set(composed)
    predict = inspect.signature(with_kind_options(command, "predict_options")).parameters
    assert {"num_envs", "runners", "envs_per_runner"} <= set(predict)


def test_an_options_help_names_the_kinds_that_take_it_in_that_command():
    def command(**kind_options) -> int:
        return 0

    def helps(attribute):
        params = inspect.signature(with_kind_options(command, attribute)).parameters
        return {name: next(m.help for m in p.annotation.__metadata__ if hasattr(m, "help"))
                for name, p in params.items()}

    recommend, verify = helps("recommend_options"), helps("verify_options")
    takers = [k.name for k in kinds.kinds() if any(o.name == "memory_headroom" for o in k.recommend_options)]
    assert len(takers) > 1 and recommend["memory_headroom"].startswith(", ".join(takers) + ": fraction of device")
    verifiers = [k.name for k in kinds.kinds() if any(o.name == "memory_headroom" for o in k.verify_options)]
    assert verify["memory_headroom"].startswith(", ".join(verifiers) + ": fraction of device")
    assert recommend["memory_headroom"].partition(": ")[2] == verify["memory_headroom"].partition(": ")[2]


def test_a_kind_gets_only_its_options_and_exclusive_ones_of_others_are_refused():
    mjx, rllib = kinds.get("mjx"), kinds.get("rllib")
    given = {"tolerance": 0.05, "memory_headroom": 0.9, "minibatch_size": 3200, "base": None}
    assert options_for(mjx, "recommend_options", given) == given
    assert options_for(rllib, "recommend_options", given) == {}
    with pytest.raises(BadInput, match="--base applies to --kind mjx only"):
        options_for(rllib, "recommend_options", {**given, "base": "conf.yaml"})


@pytest.mark.parametrize("kind", ["command", "rllib"])
def test_a_profile_without_the_kinds_section_names_a_calibration_that_will_run(kind, advisor_home):
    # calibrate refuses a shipped profile's name: the hint names a profile of the user's own instead
    from advisor.catalog import resolve_profile, shipped_names

    with pytest.raises(BadInput) as shipped:
        resolve_profile("h200-humanoid", kinds.get(kind))
    hint = str(shipped.value)
    assert "add --kind mjx" in hint and f"'advisor calibrate {kind} --name {kind}-profile'" in hint
    assert f"{kind}-profile" not in shipped_names()
