"""``sejahtera rpkd`` and ``lp2kd``: the office's planning documents as DOCX (editable), XLSX
(one sheet per table) or PDF, by the output's suffix. Thin faces over
:mod:`sejahtera.report.planning`."""

from __future__ import annotations

from pathlib import Path

import click

from sejahtera.cli.support import friendly
from sejahtera.i18n import Language, language, set_language, text

_out_option = click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Berkas keluaran .docx, .xlsx atau .pdf / output file (.docx, .xlsx or .pdf).",
)
_lang_option = click.option(
    "--lang",
    type=click.Choice(["id", "en"]),
    default=None,
    help="Bahasa dokumen / language of the document (default: the command's language).",
)
_rules_option = click.option(
    "--rules",
    default="indonesia",
    show_default=True,
    help="Ruleset untuk penerima program hari ini / ruleset that says who receives what today.",
)


def _language(chosen: str | None) -> Language:
    if chosen is not None:
        set_language(chosen)  # the messages follow the document's language too
    return language()


@click.command(
    "rpkd",
    help="Bab profil kemiskinan RPKD (Permendagri 53/2020) dari dataset / the RPKD's "
    "poverty-profile chapter from a dataset.",
)
@click.argument("data", type=click.Path(path_type=Path))
@_rules_option
@click.option(
    "--period",
    type=int,
    default=None,
    help="Tahun dokumen / the document's year (default: the data's reference year).",
)
@_out_option
@_lang_option
@friendly
def rpkd_command(data: Path, rules: str, period: int | None, out: Path, lang: str | None) -> None:
    from sejahtera.report.planning.rpkd import write_rpkd

    chosen = _language(lang)
    written = write_rpkd(data, out, rules=rules, period=period, language_code=chosen)
    click.echo(text("planning.written", path=written))


@click.command(
    "lp2kd",
    help="Laporan tahunan TKPK (LP2KD) dari berkas JSON / the TKPK's yearly report (LP2KD) "
    "from a JSON file.",
)
@click.argument("given", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    default=None,
    help="Dataset untuk kondisi kemiskinan / dataset for the poverty condition.",
)
@_rules_option
@_out_option
@_lang_option
@friendly
def lp2kd_command(given: Path, data: Path | None, rules: str, out: Path, lang: str | None) -> None:
    from sejahtera.report.planning.document import check_suffix
    from sejahtera.report.planning.lp2kd import Lp2kdInput, write_lp2kd

    chosen = _language(lang)
    check_suffix(out)
    written = write_lp2kd(Lp2kdInput.read(given), out, data=data, rules=rules,
                          language_code=chosen)  # fmt: skip
    click.echo(text("planning.written", path=written))


COMMANDS = (rpkd_command, lp2kd_command)
