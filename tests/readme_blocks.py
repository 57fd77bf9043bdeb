"""The README's command examples, run for real against the shipped profiles.

Every fenced block of README.md that holds ``advisor`` commands is either

- a transcript (``$ advisor ...`` lines, each followed by what it prints), which
  ``tests/test_readme.py`` runs and compares with what the README shows, or
- a block that calibrates, trains or serves (``calibrate``, ``verify``, ``race``, ``explore``): those cost
  minutes of a machine and are not run.

When an output changes on purpose (a new shipped profile, a new note), regenerate the examples
and review the diff::

    make readme        # = .venv/bin/python -m tests.readme_blocks --write

Each block runs in a fresh ``ADVISOR_HOME`` and a scratch folder that links to the checkout's
files (so ``-o`` writes nowhere near it), at 200 columns. The scratch paths are written as a
user's (``~/.local/share/advisor``, ``~/work``). ``advisor doctor`` describes the machine it runs
on, so its blocks are compared by the checks they list, not their details.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
#: Subcommands that calibrate, train (verify, race) or serve: their blocks are not run.
NOT_RUN = ("calibrate", "verify", "explore", "race")
#: Width the examples are printed at (a wide terminal: the recommendation tables fit unfolded).
COLUMNS = "200"
HOME_AS_SHOWN = "~/.local/share/advisor"
WORK_AS_SHOWN = "~/work"
#: doctor's checks that exist only on some machines (what other processes do on a GPU).
MACHINE_CHECKS = frozenset({"other GPU use"})


@dataclass
class Command:
    line: int  # index in the README's lines of the ``$ advisor`` line
    argv: list[str]
    text: str  # the command as written, continuation lines joined
    shown: list[str]  # the output lines the README shows
    end: int  # index after the last output line


@dataclass
class Block:
    start: int  # index of the opening fence
    end: int  # index of the closing fence
    commands: list[Command]
    run: bool


def _advisor_lines(body: list[str]) -> list[int]:
    """The command lines: ``$ advisor`` ones in a transcript (its output may hold lines that start
    with 'advisor'), else every line that starts with ``advisor``."""
    if any(line.startswith("$ ") for line in body):
        return [i for i, line in enumerate(body) if re.match(r"^\$ advisor( |$)", line)]
    return [i for i, line in enumerate(body) if re.match(r"^advisor( |$)", line)]


def parse(text: str) -> list[Block]:
    """Every fenced block with ``advisor`` commands. Raises ``ValueError`` for a block that should
    run (it neither calibrates nor trains) but is not a transcript."""
    lines = text.split("\n")
    blocks, i = [], 0
    while i < len(lines):
        if not lines[i].startswith("```"):
            i += 1
            continue
        start = i
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            i += 1
        end = i
        body = lines[start + 1:end]
        found = _advisor_lines(body)
        i += 1
        if not found:
            continue
        commands = []
        for n, at in enumerate(found):
            j, text_parts = at, [body[at]]
            while text_parts[-1].endswith("\\") and j + 1 < len(body):
                j += 1
                text_parts.append(body[j])
            joined = " ".join(part.rstrip("\\").strip() for part in text_parts)
            stop = found[n + 1] if n + 1 < len(found) else len(body)
            command_text = joined[2:] if joined.startswith("$ ") else joined
            argv = shlex.split(command_text.split("  #")[0])
            commands.append(Command(start + 1 + at, argv, joined, body[j + 1:stop], start + 1 + stop))
        run = not any(len(c.argv) > 1 and c.argv[1] in NOT_RUN for c in commands)
        if run:
            bare = [c.text for c in commands if not c.text.startswith("$ ")]
            if bare:
                raise ValueError(f"README.md line {start + 1}: {bare[0]!r} is an advisor command that neither "
                                 "calibrates nor trains, so its block must be a transcript: write it as '$ advisor "
                                 "...' and run 'make readme' to fill in its output")
        blocks.append(Block(start, end, commands, run))
    return blocks


def _workspace(tmp: Path) -> tuple[Path, dict[str, str]]:
    work = tmp / "work"
    work.mkdir()
    for entry in ROOT.iterdir():
        if entry.name not in (".git", ".venv") and not entry.name.startswith("."):
            (work / entry.name).symlink_to(entry)
    env = {**os.environ, "ADVISOR_HOME": str(tmp / "home"), "ADVISOR_LOCK_DIR": str(tmp / "locks"),
           "COLUMNS": COLUMNS, "NO_COLOR": "1"}
    env.pop("ADVISOR_EXPLORE_PROFILE", None)
    return work, env


def _replace(line: str, old: str, new: str) -> str:
    """``old`` replaced by ``new`` in one line; inside a table cell the cell keeps its width (the
    difference goes to the padding before the cell's closing border)."""
    while old in line:
        at = line.index(old)
        line = line[:at] + new + line[at + len(old):]
        border = line.find("│", at + len(new))
        if line.startswith(("│", "┃")) and border > 0:
            line = line[:border] + " " * (len(old) - len(new)) + line[border:]
    return line


def _normalise(text: str, tmp: Path) -> list[str]:
    shown = ((str(tmp / "home"), HOME_AS_SHOWN), (str(tmp / "work"), WORK_AS_SHOWN),
             (str(tmp / "locks"), "/tmp/advisor-locks"))
    lines = []
    for line in text.split("\n"):
        for old, new in shown:
            line = _replace(line, old, new)
        lines.append(line.rstrip())
    while lines and not lines[-1]:
        lines.pop()
    return lines


def run_block(block: Block) -> list[list[str]]:
    """What each command of the block prints now (stdout, then stderr), as the README would show it."""
    outputs = []
    with tempfile.TemporaryDirectory(prefix="advisor-readme-") as name:
        tmp = Path(name).resolve()
        work, env = _workspace(tmp)
        for command in block.commands:
            proc = subprocess.run([sys.executable, "-m", "advisor", *command.argv[1:]], capture_output=True, text=True,
                                  cwd=work, env=env, timeout=600)
            outputs.append(_normalise(proc.stdout + proc.stderr, tmp))
    return outputs


def doctor_checks(lines: list[str]) -> list[str]:
    """The check names in the first column of doctor's table (rows that start a check)."""
    names = []
    for line in lines:
        if line.startswith("│"):
            first = line.split("│")[1].strip()
            if first:
                names.append(first)
    return names


def differences(block: Block, outputs: list[list[str]]) -> list[str]:
    """What differs between the README and what each command prints now (empty when nothing)."""
    problems = []
    for command, now in zip(block.commands, outputs):
        if command.argv[1:2] == ["doctor"]:
            shown, current = doctor_checks(command.shown), doctor_checks(now)
            if [n for n in shown if n not in MACHINE_CHECKS] != [n for n in current if n not in MACHINE_CHECKS]:
                problems.append(f"{command.text}: the README lists checks {shown}, doctor now prints {current}")
            continue
        if command.shown != now:
            diff = "\n".join(difflib.unified_diff(command.shown, now, "README.md", "now", lineterm="", n=1))
            problems.append(f"{command.text} (README.md line {command.line + 1}):\n{diff}")
    return problems


def rewrite(text: str) -> str:
    """The README with every run block's outputs replaced by what its commands print now."""
    lines = text.split("\n")
    for block in reversed(parse(text)):
        if not block.run:
            continue
        outputs = run_block(block)
        for command, now in reversed(list(zip(block.commands, outputs))):
            first_output = command.end - len(command.shown)
            lines[first_output:command.end] = now
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the README's advisor examples; --write puts their output in.")
    parser.add_argument("--write", action="store_true", help="rewrite README.md with what the commands print now")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    if args.write:
        new = rewrite(text)
        if new != text:
            README.write_text(new, encoding="utf-8")
            print("README.md: examples regenerated; review 'git diff README.md'")
        else:
            print("README.md: every example already prints what it shows")
        return 0
    problems = [p for block in parse(text) if block.run for p in differences(block, run_block(block))]
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
