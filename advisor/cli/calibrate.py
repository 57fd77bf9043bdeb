"""``advisor calibrate <kind>``: one subcommand per registered workload kind that can be measured.

Each subcommand is built when it is asked for, so ``advisor recommend`` (or any other command)
never imports a kind's sweep code; ``advisor calibrate --help`` builds them all to list them."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from advisor import kinds
from advisor.cli.bounds import check_numbers


class KindCommands(TyperGroup):
    """The calibrate group: its commands come from the kinds' registry, each built on first use."""

    def list_commands(self, ctx: Any) -> list[str]:
        return [kind.name for kind in kinds.kinds() if kind.calibrates()]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            kind = kinds.REGISTRY.get(cmd_name)
            command = kind.calibrate_command if kind is not None else None
            if command is None:
                return None
            single = typer.Typer(add_completion=False)
            single.command(cmd_name)(command)
            self.commands[cmd_name] = check_numbers(typer.main.get_command(single))
        return self.commands[cmd_name]


app = typer.Typer(cls=KindCommands, help="Measure this machine: short training sweeps saved into a profile.",
                  no_args_is_help=True)
