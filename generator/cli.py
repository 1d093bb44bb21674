"""kafka-profiles: render, check, explain and list profiles.

Exit codes: 0 ok, 1 drift found by `check`, 2 bad input. Bad input is one line per problem on
stderr and never a traceback. Heavy modules are imported inside commands so that `--help` and
`profiles` stay instant.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from generator.cli_options import (
    EXIT_BAD_INPUT,
    EXIT_DRIFT,
    IDENTITY_HELP,
    PROFILES_HELP,
    ListsProfiles,
    OneLineUsageErrors,
    allow_identity_change_option,
    out_option,
    set_option,
    set_words_option,
    site_option,
    strict_option,
    user_errors,
)
from generator.errors import GeneratorError, shown

if TYPE_CHECKING:
    from generator.replay import Request


@click.group(cls=OneLineUsageErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="kafka-profiles")
def cli() -> None:
    """Render Kafka tuning profiles into validated Kubernetes manifests and configs."""


@cli.command(
    cls=ListsProfiles,
    short_help="Render, validate and write OUT/<target>/.",
    help="Render, validate and write OUT/<target>/ (nothing is written unless everything validates).\n\n"
    + PROFILES_HELP,
)
@click.argument("profiles_spec", metavar="PROFILES")
@site_option
@set_option
@set_words_option
@out_option
@strict_option
@allow_identity_change_option(f"Write {IDENTITY_HELP}")
@user_errors
def render(
    profiles_spec: str,
    site: Path | None,
    sets: tuple[str, ...],
    set_words: str,
    out_root: Path,
    strict: bool,
    allow_identity_change: bool,
) -> None:
    from generator.identity import guard
    from generator.replay import build_in, repository_root
    from generator.writer import safe_target_dir, write

    root = repository_root(out_root)
    result = build_in(root, _request(profiles_spec, site, sets + _split_set_words(set_words), root), strict)
    _print_warnings(result.warnings)
    _print_warnings(guard(safe_target_dir(out_root, result.target), result, allow_identity_change))
    changes = write(out_root, result.target, result.files)
    for change in changes:
        click.echo(f"{change.status:<9} {out_root / result.target / change.path}")
    counts = {s: sum(c.status == s for c in changes) for s in ("created", "updated", "identical", "removed")}
    click.echo(f"{result.target}: {', '.join(f'{n} {s}' for s, n in counts.items())}; {result.summary}")


@cli.command(short_help="Exit 1 if a target differs from a render of its recorded command; --fix writes it.")
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
@click.option("--fix", is_flag=True, help="Write the stale targets again, each from its own render command.")
@allow_identity_change_option(f"With --fix: write {IDENTITY_HELP}")
@user_errors
def check(
    targets: tuple[str, ...], out_root: Path, strict: bool, jobs: int | None, fix: bool, allow_identity_change: bool
) -> None:
    """Replay the render command recorded in each target's params.yaml in memory and compare the result with
    OUT/<target>/; exit 1 if a file differs (0 with --fix once every stale target is written again).

    A target is a folder of OUT that holds a params.yaml; other folders are skipped. TARGETS limits the
    check to the targets named."""
    from generator.drift import check_all, targets_in
    from generator.drift import fix as fix_target
    from generator.replay import repository_root

    if allow_identity_change and not fix:
        _bad_input(["--allow-identity-change: only with --fix (check alone writes nothing)"])
    known, others = targets_in(out_root)
    unknown = [name for name in dict.fromkeys(targets) if name not in known]
    if unknown:
        known_list = ", ".join(known) or "none"
        _bad_input([f"unknown target {name!r} in {out_root}; known: {known_list}" for name in unknown])
    if not targets:
        for name in others:
            click.echo(f"skipped   {shown(str(out_root / name))}: not a target (no params.yaml)")
    names = list(dict.fromkeys(targets)) or known
    if not names:
        raise GeneratorError(
            f"{out_root}: no targets to check (no folder in it holds a params.yaml); render one first: "
            f"kafka-profiles render PROFILES --out {_quoted(out_root)}"
        )
    root = repository_root(out_root)
    stale = failed = 0
    for name, outcome in zip(names, check_all([out_root / n for n in names], strict, root, jobs), strict=True):
        if outcome.request is None:
            stale += 1
            click.echo(
                f"{name}: stale, the first line of {outcome.target_dir / 'params.yaml'} is not a render command; "
                f"render the target again with kafka-profiles render PROFILES [-f SITE] [--set KEY=VALUE]... "
                f"--out {_quoted(out_root)}"
            )
            continue
        command = _render_command(outcome.request, root, out_root)
        if outcome.errors:
            failed += 1
            _print_errors(name, outcome.errors)
            click.echo(f"{name}: replay failed, left as it is (errors on stderr): {command}")
            continue
        if not outcome.drift:
            click.echo(f"{name}: up to date")
            continue
        if not fix:
            stale += 1
            for change in outcome.drift:
                click.echo(f"{_drift_word(change.status):<9} {outcome.target_dir / change.path}")
            click.echo(f"{name}: stale, render it again with: {command}")
            continue
        try:
            written, notes = fix_target(outcome.target_dir, outcome.request, strict, root, allow_identity_change)
        except GeneratorError as error:
            failed += 1
            _print_errors(name, error.lines(), getattr(error, "details", ()))
            click.echo(f"{name}: stale, not fixed, left as it is (errors on stderr): {command}")
            continue
        _print_warnings(notes)
        for change in written:
            click.echo(f"{change.status:<9} {outcome.target_dir / change.path}")
        click.echo(f"{name}: fixed, rendered again with: {command}")
    if failed:
        sys.exit(EXIT_BAD_INPUT)
    if stale:
        sys.exit(EXIT_DRIFT)


def _request(profiles_spec: str, site: Path | None, sets: tuple[str, ...], root: Path) -> Request:
    """What the user asked for, the site path relative to the repository (as params.yaml records it)."""
    from generator.replay import Request, repository_path

    return Request(profiles_spec, None if site is None else repository_path(site, root), sets)


def _render_command(request: Request, root: Path, out_root: Path) -> str:
    """`kafka-profiles render ...` that writes this target again, to paste here: the recorded command,
    its site path relative to the current directory (it is the recorded one when that is the repository)."""
    import dataclasses
    import os

    from generator.replay import render_command

    if request.site is not None:
        request = dataclasses.replace(request, site=Path(os.path.relpath(root / request.site)))
    return f"kafka-profiles {render_command([request.profiles], request)} --out {_quoted(out_root)}"


def _split_set_words(text: str) -> tuple[str, ...]:
    import shlex

    try:
        return tuple(shlex.split(text))
    except ValueError as error:
        raise GeneratorError(
            f"SET={text!r}: {str(error).lower()}; write the assignments as shell words, quoting a value "
            "with spaces: SET=\"kafka.config.log.retention.hours=48 clients.producer.client.id='my app'\""
        ) from None


def _quoted(path: Path) -> str:
    from generator.replay import shell_quote

    return shell_quote(str(path))


def _print_errors(name: str, lines: Sequence[str], details: Sequence[str] = ()) -> None:
    for line in lines:
        click.echo(f"error: {shown(name)}: {line}", err=True)
    for detail in details:
        click.echo(f"  {shown(detail)}", err=True)


def _bad_input(lines: Sequence[str]) -> NoReturn:
    for line in lines:
        click.echo(f"error: {shown(line)}", err=True)
    sys.exit(EXIT_BAD_INPUT)


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
        word = "aliases" if len(info.aliases) > 1 else "alias"
        aliases = f" ({word}: {', '.join(info.aliases)})" if info.aliases else ""
        click.echo(f"{info.name:<{width}}  {info.summary}{aliases}")


@cli.command(
    cls=ListsProfiles,
    short_help="Why every value is what it is: layers, conflicts, warnings, failure budget.",
    help="Every effective setting: value, layer, what it overrode, runbook IDs and trade-off; conflicts, "
    "warnings and the failure budget.\n\n" + PROFILES_HELP,
)
@click.argument("profiles_spec", metavar="PROFILES")
@site_option
@set_option
@set_words_option
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
def explain(
    profiles_spec: str, site: Path | None, sets: tuple[str, ...], set_words: str, strict: bool, output_format: str
) -> None:
    import contextlib

    from generator.explain import as_json, as_markdown, as_text, report_of
    from generator.replay import repository_root
    from generator.target import Sources, derived, load

    sources = Sources()
    root = repository_root(Path.cwd())  # the command it shows is the one `render` would record here
    request = _request(profiles_spec, site, sets + _split_set_words(set_words), root)
    with contextlib.chdir(root):
        merged, target, command = load(request, sources)
        models, warnings = derived(merged, sources, strict)
        explained = report_of(merged, target, command, warnings, models, sources.components())
    formatter = {"text": as_text, "md": as_markdown, "json": as_json}[output_format]
    click.echo(formatter(explained), nl=False)


@cli.command(short_help="Print the JSON Schema of the parameter set.")
def schema() -> None:
    """Print the JSON Schema of the parameter set (for editors and site-file checks)."""
    import json

    from generator.core.schema import assembled
    from generator.target import Sources

    click.echo(json.dumps(assembled(Sources().components()), indent=2, sort_keys=True))


def _print_warnings(warnings: list[Any]) -> None:
    for warning in warnings:
        click.echo(f"warning: {warning.line()}", err=True)


def main() -> None:
    cli(prog_name="kafka-profiles")
