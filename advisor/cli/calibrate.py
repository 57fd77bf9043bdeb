"""``advisor calibrate <kind>``: one subcommand per registered workload kind that can be measured."""

from __future__ import annotations

import typer

from advisor.kinds import kinds

app = typer.Typer(help="Measure this machine: short training sweeps saved into a profile.", no_args_is_help=True)

for _kind in kinds():
    _command = _kind.calibrate_command()
    if _command is not None:
        app.command(_kind.name)(_command)
