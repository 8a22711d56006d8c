"""``sejahtera brief DATA …`` (a policy brief, DOCX or PDF) and ``sejahtera brief reproduce
FILE`` (every figure of a brief computed again). Thin faces over :mod:`sejahtera.report.brief`.

Both forms live in one group: a first argument that is not a subcommand's name is the dataset
of the brief to write (a folder named ``reproduce`` is written ``./reproduce``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from sejahtera.cli.support import friendly
from sejahtera.i18n import language, set_language, text

WRITE = "write"


class BriefGroup(click.Group):
    """A group whose default subcommand is ``write``: ``brief DATA …`` is ``brief write DATA …``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = [WRITE, *args]
        return super().parse_args(ctx, args)


@click.group(
    "brief",
    cls=BriefGroup,
    help="Ringkasan kebijakan / policy brief.\n\n"
    "sejahtera brief DATA --rules indonesia [--reform FILE] --period YEAR --out FILE.docx|.pdf "
    "[--lang id|en]\n\nsejahtera brief reproduce FILE [--data DIR]",
)
def brief() -> None:
    pass


@brief.command(
    WRITE,
    help="Tulis ringkasan kebijakan (DOCX atau PDF) dari dataset / write a policy brief (DOCX or "
    "PDF) from a dataset.",
)
@click.argument("data", type=click.Path(path_type=Path))
@click.option("--rules", "ruleset_name", required=True, help="Ruleset (indonesia) atau folder.")
@click.option(
    "--reform",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Reformasi YAML yang dibandingkan dengan kondisi saat ini / YAML reform compared with "
    "today's situation.",
)
@click.option("--period", required=True, help="Tahun / year.")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Berkas keluaran .docx atau .pdf / output file (.docx or .pdf).",
)
@click.option(
    "--lang",
    type=click.Choice(["id", "en"]),
    default=None,
    help="Bahasa dokumen / language of the document (default: the command's language).",
)
@friendly
def write_command(
    data: Path, ruleset_name: str, reform: Path | None, period: str, out: Path, lang: str | None
) -> None:
    from sejahtera.report.brief import BriefInput, build_brief, reform_option, write_brief
    from sejahtera.report.documents import check_out

    if lang is not None:
        set_language(lang)  # the messages follow the document's language too
    check_out(out)  # a wrong suffix or folder is said before the work
    options = [reform_option(reform)] if reform is not None else []
    inp = BriefInput(data, ruleset_name, period, options, language=language())
    made = build_brief(inp)
    write_brief(made, out)
    click.echo(text("brief.written", path=out, figures=len(made.figures)))


@brief.command(
    "reproduce",
    help="Hitung ulang setiap angka ringkasan kebijakan / compute every figure of a policy "
    "brief again.",
)
@click.argument("path", metavar="FILE", type=click.Path(path_type=Path))
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder dataset, bila bukan yang tercatat / the dataset's folder, if not the recorded "
    "one.",
)
@friendly
def reproduce_command(path: Path, data: Path | None) -> None:
    from sejahtera.report.brief import reproduce

    found = reproduce(path, data)
    for difference in found.differences:
        click.echo(
            text(
                "brief.difference",
                what=difference.what,
                recorded=difference.recorded or "–",
                now=difference.now,
            ),
            err=True,
        )
    click.echo(text("brief.reproduced", reproduced=found.reproduced, figures=found.figures))
    if not found.ok:
        sys.exit(1)


COMMANDS = (brief,)
