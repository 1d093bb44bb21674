"""kafka-profiles: render, check, explain and list profiles.

Exit codes: 0 ok, 1 drift found by `check`, 2 bad input. Bad input is one line per problem on
stderr and never a traceback. Heavy modules are imported inside commands so that `--help` and
`profiles` stay instant.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from generator.errors import GeneratorError, shown

EXIT_DRIFT = 1
EXIT_BAD_INPUT = 2
F = TypeVar("F", bound=Callable[..., Any])

PROFILES_HELP = "Profiles to apply in order, comma-separated (aliases allowed): ha,throughput"
site_option = click.option(
    "-f",
    "--values",
    "site",
    type=click.Path(path_type=Path),
    default=None,
    help="Site file applied after the profiles (namespace, zones, sizes, ...).",
)
set_option = click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override one parameter by dotted key, last of all: --set kafka.replicas=7",
)
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


class _OneLineUsageErrors(click.Group):
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


@click.group(cls=_OneLineUsageErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kafka-profiles")
def cli() -> None:
    """Render Kafka tuning profiles into validated Kubernetes manifests and configs."""


@cli.command()
@click.argument("profiles_spec", metavar="PROFILES")
@site_option
@set_option
@out_option
@strict_option
@click.option(
    "--allow-identity-change",
    "allow_identity_change",
    is_flag=True,
    help="Write even if brokers or ZooKeeper servers (and the PVCs named after them) would go or be renamed.",
)
@user_errors
def render(
    profiles_spec: str,
    site: Path | None,
    sets: tuple[str, ...],
    out_root: Path,
    strict: bool,
    allow_identity_change: bool,
) -> None:
    """Render, validate and write OUT/<target>/ (written only when everything validated)."""
    from generator.identity import refuse_lost_identities
    from generator.target import Request, build
    from generator.writer import safe_target_dir, write

    result = build(Request(profiles_spec, site, sets), strict=strict)
    _print_warnings(result.warnings)
    if not allow_identity_change:
        refuse_lost_identities(safe_target_dir(out_root, result.target), result.manifests.values())
    changes = write(out_root, result.target, result.files)
    for change in changes:
        click.echo(f"{change.status:<9} {out_root / result.target / change.path}")
    counts = {s: sum(c.status == s for c in changes) for s in ("created", "updated", "identical", "removed")}
    click.echo(f"{result.target}: {', '.join(f'{n} {s}' for s, n in counts.items())}; {result.summary}")


@cli.command()
@click.argument("targets", nargs=-1)
@out_option
@strict_option
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that check targets side by side (default: one per usable CPU core).",
)
@user_errors
def check(targets: tuple[str, ...], out_root: Path, strict: bool, jobs: int | None) -> None:
    """Re-render every target in OUT/ (or the TARGETS named) and exit 1 if any file differs."""
    from generator.drift import check_all
    from generator.writer import safe_target_dir

    names = targets or tuple(sorted(p.name for p in out_root.glob("*") if p.is_dir() and not p.name.startswith(".")))
    if not names:
        raise GeneratorError(f"{out_root}: no targets to check; run make render-all first")
    stale = 0
    target_dirs = [safe_target_dir(out_root, name) for name in names]
    for name, outcome in zip(names, check_all(target_dirs, strict, jobs), strict=True):
        if outcome.drift is None:
            click.echo(f"stale     {outcome.target_dir}: no params.yaml header to replay; render it again")
            stale += 1
            continue
        for change in outcome.drift:
            click.echo(f"{_drift_word(change.status):<9} {outcome.target_dir / change.path}")
        stale += bool(outcome.drift)
        click.echo(f"{name}: {'stale, run: make render-all' if outcome.drift else 'up to date'}")
    if stale:
        sys.exit(EXIT_DRIFT)


def _drift_word(status: str) -> str:
    """What `render` would do to the file on disk."""
    return {"created": "missing", "removed": "extra", "updated": "changed"}[status]


@cli.command(name="profiles")
def list_profiles() -> None:
    """List the profiles with their aliases and summaries."""
    from generator.profiles import discover
    from generator.target import Sources

    try:
        known = discover(Sources().profiles_dir)
    except GeneratorError as error:
        for line in error.lines():
            click.echo(f"error: {line}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    width = max(len(name) for name in known)
    for info in known.values():
        aliases = f" (alias: {', '.join(info.aliases)})" if info.aliases else ""
        click.echo(f"{info.name:<{width}}  {info.summary}{aliases}")


@cli.command()
@click.argument("profiles_spec", metavar="PROFILES")
@site_option
@set_option
@strict_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "md", "json"]),
    default="text",
    show_default=True,
    help="text for terminals, md for a pull-request comment, json for machines.",
)
@user_errors
def explain(profiles_spec: str, site: Path | None, sets: tuple[str, ...], strict: bool, output_format: str) -> None:
    """Every effective setting: value, layer, what it overrode, runbook IDs and trade-off; conflicts,
    warnings and the failure budget."""
    from generator.explain import as_json, as_markdown, as_text, report
    from generator.target import Request, Sources, checked, load

    sources = Sources()
    merged, target, command = load(Request(profiles_spec, site, sets), sources)
    explained = report(merged, target, command, checked(merged, strict), sources.profiles_dir)
    formatter = {"text": as_text, "md": as_markdown, "json": as_json}[output_format]
    click.echo(formatter(explained), nl=False)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the parameter set (for editors and site-file checks)."""
    import json

    from generator.params import schema as load_schema

    click.echo(json.dumps(load_schema(), indent=2, sort_keys=True))


def _print_warnings(warnings: list[Any]) -> None:
    for warning in warnings:
        click.echo(f"warning: {warning.line()}", err=True)


def main() -> None:
    cli(prog_name="kafka-profiles")
