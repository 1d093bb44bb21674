"""The command line's shared parts: its options, exit codes and one-line error handling (a usage error,
like any bad input, is one `error: ...` line and exit 2)."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from generator.errors import GeneratorError, shown

EXIT_DRIFT = 1
EXIT_BAD_INPUT = 2
F = TypeVar("F", bound=Callable[..., Any])

PROFILES_HELP = (
    "PROFILES is a comma-separated list of profile names or aliases, applied in order (the last one wins), "
    "for example ha,throughput."
)
site_option = click.option(
    "-f",
    "--values",
    "site",
    type=click.Path(path_type=Path),
    default=None,
    help="Site file applied after the profiles (namespace, zones, sizes, ...); params.yaml records its path "
    "relative to the repository (the git work tree, else the current directory).",
)
set_option = click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override one parameter by dotted key, last of all: --set kafka.replicas=7",
)
# `make render SET="a.b=1 c.d='my app'"`: the assignments as shell words in one argument, split here
# (quotes group, nothing is expanded) so that a value with spaces survives make.
set_words_option = click.option("--set-words", "set_words", default="", hidden=True)
strict_option = click.option(
    "--strict",
    is_flag=True,
    help="Treat warnings (runbook trade-offs) as errors, for CI gates.",
)
out_option = click.option(
    "--out",
    "out_root",
    type=click.Path(path_type=Path),
    default=Path("output"),
    show_default=True,
    help="Root folder of the targets.",
)


def user_errors(command: F) -> F:
    """Turn GeneratorError into one line per problem and exit 2."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except GeneratorError as error:
            for line in error.lines():
                click.echo(f"error: {line}", err=True)
            for detail in getattr(error, "details", ()):
                click.echo(f"  {shown(detail)}", err=True)
            sys.exit(EXIT_BAD_INPUT)

    return wrapper  # type: ignore[return-value]


class OneLineUsageErrors(click.Group):
    """Click reports a usage error (an unknown option, a PROFILES that starts with '-', a missing
    argument) as a usage block and `Error: ...`; here it is one `error: ...` line, exit 2, like any
    other bad input."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as error:
            error.show()  # no command at all: the help is the answer
            sys.exit(error.exit_code)
        except click.UsageError as error:
            hint = f" (see: {error.ctx.command_path} -h)" if error.ctx is not None else ""
            click.echo(f"error: {shown(error.format_message())}{hint}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except click.ClickException as error:
            click.echo(f"error: {shown(error.format_message())}", err=True)
            sys.exit(error.exit_code)
        except click.Abort:
            click.echo("error: aborted", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


class ListsProfiles(click.Command):
    """A command taking PROFILES: its help ends with the profiles there are, as `profiles` lists them."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from generator.profiles import discover
        from generator.target import Sources

        try:
            known = discover(Sources().profiles_dir)
        except GeneratorError:
            return  # `profiles` names the broken file; the help stays usable
        names = [f"{i.name} ({', '.join(i.aliases)})" if i.aliases else i.name for i in known.values()]
        with formatter.section("Profiles (aliases)"):
            # Wrapped at spaces only: a name such as low-latency stays whole.
            width = max((formatter.width or 80) - formatter.current_indent, 20)
            for line in textwrap.wrap(", ".join(names), width, break_on_hyphens=False):
                formatter.write(f"{'':>{formatter.current_indent}}{line}\n")


IDENTITY_HELP = "even if brokers or ZooKeeper servers (and the PVCs named after them) would go or be renamed."


def allow_identity_change_option(help_text: str) -> Callable[[F], F]:
    return click.option("--allow-identity-change", "allow_identity_change", is_flag=True, help=help_text)
