"""``sejahtera rules test``: a ruleset's YAML test cases, in OpenFisca's format."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sejahtera.cli_support import _friendly
from sejahtera.i18n import text


def register_rules_commands(main: click.Group) -> None:
    main.add_command(rules)


@click.group(help="Aturan sebagai kode / rules as code.")
def rules() -> None:
    pass


@rules.command("test", help="Jalankan kasus uji YAML / run YAML test cases.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--rules",
    "ruleset_name",
    required=True,
    help="Ruleset: nama bawaan (indonesia) atau folder / shipped name or folder.",
)
@click.option(
    "--reform",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="Reformasi YAML yang diterapkan / YAML reform to apply.",
)
@_friendly
def rules_test(paths: tuple[Path, ...], ruleset_name: str, reform: Path | None) -> None:
    from sejahtera.rules.reform import apply_reform
    from sejahtera.rules.ruleset import load_ruleset
    from sejahtera.rules.testing import run_tests

    ruleset = load_ruleset(ruleset_name)
    if reform is not None:
        ruleset = apply_reform(ruleset, reform)
    outcome = run_tests(ruleset, list(paths))
    for failure in outcome.failures:
        click.echo(
            text(
                "rules.test_failed",
                file=failure.file,
                line=failure.line,
                name=failure.name,
                variable=failure.variable,
                expected=failure.expected,
                got=failure.got,
            )
        )
    click.echo(text("rules.test_summary", passed=outcome.passed, failed=len(outcome.failures)))
    if outcome.failures:
        sys.exit(1)
