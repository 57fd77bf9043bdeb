"""The README is a front door that cannot drift: every command block that neither calibrates nor
trains is run against the shipped profiles and must print what the README shows
(:mod:`tests.readme_blocks`; ``make readme`` regenerates the examples after an intended change)."""

import re

import pytest

from tests.readme_blocks import README, ROOT, differences, doctor_checks, parse, run_block

TEXT = README.read_text(encoding="utf-8")
BLOCKS = parse(TEXT)
RUN = [block for block in BLOCKS if block.run]


@pytest.mark.parametrize("block", RUN, ids=[" && ".join(c.text[2:] for c in b.commands) for b in RUN])
def test_every_readme_example_prints_what_the_readme_shows(block):
    problems = differences(block, run_block(block))
    assert not problems, ("the README's example no longer matches what advisor prints; if the change is intended, run "
                          "'make readme' and review the diff:\n" + "\n\n".join(problems))


def test_the_examples_cover_the_commands_that_answer_from_profiles():
    run = {c.argv[1] for b in RUN for c in b.commands}
    assert {"recommend", "predict", "profile", "doctor"} <= run
    kinds = {c.argv[c.argv.index("--kind") + 1] for b in RUN for c in b.commands if "--kind" in c.argv}
    assert "rllib" in kinds  # beside the default mjx
    # blocks that are not run are the ones that calibrate, train or serve, and each of those says so
    for block in BLOCKS:
        if not block.run:
            assert any(c.argv[1] in ("calibrate", "verify", "race", "explore") for c in block.commands)


def test_a_command_block_without_its_output_is_refused():
    text = "```\nadvisor calibrate mjx --quick\n```\n\n```\nadvisor predict --profile h100-humanoid --num-envs 64\n```\n"
    with pytest.raises(ValueError, match="must be a transcript"):
        parse(text)
    [calibrates] = parse(text.split("\n\n")[0] + "\n")
    assert not calibrates.run


def test_a_changed_output_is_reported_and_doctor_is_compared_by_its_checks():
    [block] = parse("```\n$ advisor profile list --json\n[]\n```\n")
    [problem] = differences(block, run_block(block))
    assert "h100-humanoid" in problem and "README.md line 2" in problem
    [doctor] = [b for b in RUN if b.commands[0].argv[1:] == ["doctor"]]
    shown = doctor_checks(doctor.commands[0].shown)
    assert shown[0] == "JAX backend" and "calibration locks" in shown
    altered = [line.replace("│ jax      ", "│ jaxx     ", 1) for line in doctor.commands[0].shown]
    doctor.commands[0].shown, original = altered, doctor.commands[0].shown
    try:
        assert differences(doctor, [original]) and "jaxx" in differences(doctor, [original])[0]
    finally:
        doctor.commands[0].shown = original


def test_the_readme_is_a_front_door():
    lines = TEXT.split("\n")
    assert len(lines) <= 250
    quick = TEXT.split("## Quick start", 1)[1].split("##", 1)[0]
    [block] = re.findall(r"```\n(.*?)```", quick, flags=re.S)
    assert [line.split("#")[0].strip() for line in block.strip().split("\n")] == ["make demo", "make test"]
    install = TEXT.split("## Install", 1)[1].split("\n## ", 1)[0]
    for extra in ("mjx", "rllib", "brax", "app"):
        assert f"pip install 'rl-throughput-advisor[{extra}]'" in install
    assert "make setup" in install
    # prose stays readable: only code blocks may run wide
    inside, wide = False, []
    for n, line in enumerate(lines, 1):
        if line.startswith("```"):
            inside = not inside
        elif not inside and len(line) > 100 and not line.startswith("|"):
            wide.append(n)
    assert wide == []


def test_every_link_of_the_readme_and_the_docs_resolves():
    pages = [README, *sorted((ROOT / "docs").glob("*.md"))]
    assert len(pages) >= 8
    for page in pages:
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if target.startswith("http"):
                continue
            assert (page.parent / target).exists(), (page.name, target)
    linked = set(re.findall(r"\(docs/([^)]+\.md)\)", TEXT))
    assert linked == {p.name for p in (ROOT / "docs").glob("*.md")}  # one page per topic, each linked
