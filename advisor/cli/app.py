"""The ``advisor`` command line: Typer commands over the pure core.

This is the only layer that prints or exits. Every error from the core arrives here as an
:class:`~advisor.errors.AdvisorError` carrying its exit code and leaves as one line on stderr:
0 ok, 1 runtime failure, 2 bad input, 130 interrupted. Each command is generic: whatever is
particular to a workload kind comes from the registry (:mod:`advisor.kinds`).
"""

from __future__ import annotations

import sys

import typer

try:  # typer >= 0.2x ships its own click; older typers raise click's exceptions
    from typer import TyperException as UsageFailure
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import ClickException as UsageFailure

from advisor.cli import calibrate, doctor, explore, predict, profile, race, recommend, report, validate, verify
from advisor.cli.bounds import check_numbers, shown
from advisor.console import err
from advisor.errors import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_INTERRUPTED, AdvisorError

app = typer.Typer(
    name="advisor",
    help="Measure how this machine trains RL (MJX/JAX PPO, Brax/Playground, RLlib or your own training command), "
    "fit curves, and recommend the fastest config that fits. Units: throughput in env steps per second, memory in "
    "bytes, time in seconds.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(calibrate.app, name="calibrate")
app.add_typer(profile.app, name="profile")
app.command("recommend")(recommend.recommend)
app.command("predict")(predict.predict)
app.command("report")(report.report)
app.command("validate")(validate.validate)
app.command("verify")(verify.verify)
app.command("race")(race.race)
app.command("doctor")(doctor.doctor)
app.command("explore")(explore.explore)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    try:
        command = check_numbers(typer.main.get_command(app))  # every number checked before a command starts
        result = command(args=argv, prog_name="advisor", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except typer.Exit as exc:
        return exc.exit_code
    except UsageFailure as exc:  # usage errors: unknown option, bad type, missing argument
        ctx = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:  # 'advisor' alone: its help
            print(ctx.get_help())
            return 0
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        where = ctx.command_path if ctx is not None else "advisor"
        words = " ".join(shown(word, 60) for word in message.split())  # a 5,000-digit value is cut
        err.print(f"advisor: {words} (see '{where} --help')", markup=False)
        return EXIT_BAD_INPUT if exc.exit_code == 2 else exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        err.print("advisor: interrupted")
        return EXIT_INTERRUPTED
    except AdvisorError as exc:  # the one error hierarchy: each error carries its exit code
        err.print(f"advisor: {exc}", markup=False)
        return exc.exit_code
    except OSError as exc:  # a file or folder advisor must use (ADVISOR_HOME, its profiles) is not usable
        where = f" {exc.filename}" if exc.filename else ""
        err.print(f"advisor: cannot use{where}: {exc.strerror or exc}; check that path (ADVISOR_HOME sets where "
                  "profiles live) and its permissions", markup=False)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
