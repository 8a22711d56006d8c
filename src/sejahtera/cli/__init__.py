"""The ``sejahtera`` command: the group, its options, and the commands that run the workbench
(``serve``, ``manage``, ``audit verify``). The other commands are thin faces over the core, one
module per family:
:mod:`.data` (data, synth, regions), :mod:`.measure` (measure, mpi, sae, profile), :mod:`.rules`
(rules, simulate, budget), :mod:`.planning` (rpkd, lp2kd), :mod:`.brief` (brief, brief reproduce)
and :mod:`.evaluate`. Errors a user can fix are printed without a traceback (exit 2,
:mod:`.support`)."""

from __future__ import annotations

from pathlib import Path

import click

from sejahtera import __version__
from sejahtera.cli import brief, data, evaluate, measure, planning, rules
from sejahtera.cli.support import friendly
from sejahtera.errors import SejahteraError
from sejahtera.i18n import set_language, text


@click.group(help="Sejahtera — workbench kebijakan sosial / social-policy workbench.")
@click.version_option(__version__, prog_name="sejahtera")
@click.option(
    "--lang",
    type=click.Choice(["id", "en"]),
    default=None,
    help="Bahasa pesan / language of messages (default: SEJAHTERA_LANG or id).",
)
def main(lang: str | None) -> None:
    set_language(lang)


@main.command(help="Jalankan workbench / start the workbench.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--dataset",
    "dataset_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Dataset yang ditampilkan / dataset to show.",
)
@click.option(
    "--profiles",
    "profile_folder",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder profil kebutuhan (berisi id/ dan en/) / needs-profile folder (with id/ and en/).",
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=int,
    help="Proses pekerja gunicorn / gunicorn worker processes.",
)
@friendly
def serve(
    host: str, port: int, dataset_path: Path | None, profile_folder: Path | None, workers: int
) -> None:
    """The workbench through gunicorn (a production WSGI server), not Django's runserver."""
    import os

    from sejahtera.workbench.core.profiles import profile_files

    if dataset_path is not None:
        from sejahtera.data.dataset import Dataset

        Dataset.open(dataset_path)  # a missing or damaged dataset is said now, not per request
        os.environ["SEJAHTERA_DATASET"] = str(dataset_path.resolve())
    if profile_folder is not None:
        profile_files(profile_folder)  # refuses a folder without a profile
        os.environ["SEJAHTERA_PROFILES"] = str(profile_folder.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sejahtera.workbench.settings")
    from sejahtera.workbench.core.startup import refusal

    if refused := refusal(serving=True):  # a weak secret, production without static files
        raise SejahteraError("cli.start_refused", detail=refused)
    url = f"http://{host}:{port}"
    if taken := port_taken(host, port):  # said clearly before gunicorn starts
        raise SejahteraError("cli.serve_failed", url=url, detail=taken)
    click.echo(text("cli.serving", url=url))
    from gunicorn.app.wsgiapp import run as gunicorn

    argv = [
        "gunicorn", "--bind", f"{host}:{port}", "--workers", str(workers),
        "--access-logfile", "-", "--graceful-timeout", "5",
        "sejahtera.workbench.wsgi:application",
    ]  # fmt: skip
    import sys

    sys.argv = argv
    try:
        gunicorn()
    except KeyboardInterrupt:
        click.echo(text("cli.stopped"))


def port_taken(host: str, port: int) -> str | None:
    """Why ``serve`` cannot listen on ``host:port``, or None when it can. Bound as gunicorn binds
    (SO_REUSEADDR): a port held only by connections closing after a stop (TIME_WAIT, up to a
    minute) is free, one another server listens on is not."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
            probe.listen()
        except OSError as exc:
            return str(exc.strerror or exc)
    return None


@main.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    help="Perintah pengelolaan Django (migrate, demo, createsuperuser, check…) / Django "
    "management commands.",
)
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
@friendly
def manage(arguments: tuple[str, ...]) -> None:
    import os

    from django.core.management import execute_from_command_line

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sejahtera.workbench.settings")
    from sejahtera.workbench.core.startup import refusal

    if refused := refusal(serving=False):  # the settings refused: said without a traceback
        raise SejahteraError("cli.start_refused", detail=refused)
    execute_from_command_line(["sejahtera manage", *arguments])


@main.group(help="Log audit workbench / the workbench's audit log.")
def audit() -> None:
    pass


@audit.command(
    help="Periksa rantai hash log audit (keluar 1 pada kejadian rusak pertama) / check the "
    "audit log's hash chain (exit 1 at the first broken event)."
)
@click.option(
    "--head",
    default="",
    help="Hash kejadian terakhir dari pemeriksaan sebelumnya / a last-event hash from an "
    "earlier check: it must still be in the chain.",
)
def verify(head: str) -> None:
    """The workbench's ``audit_verify`` command (sejahtera/workbench/audit): exit 0 or 1."""
    import os

    import django
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sejahtera.workbench.settings")
    django.setup()
    call_command("audit_verify", head=head)


def _workbench() -> None:
    """Django set up with the workbench's settings, refusing as ``manage`` does."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sejahtera.workbench.settings")
    from sejahtera.workbench.core.startup import refusal

    if refused := refusal(serving=False):
        raise SejahteraError("cli.start_refused", detail=refused)
    django.setup()


@main.command(
    help="Cadangkan basis data dan folder data workbench ke OUT (folder, atau arsip .tar / "
    ".tar.gz); kunci enkripsi tidak termasuk / back up the workbench's database and data "
    "folders to OUT (a folder, or a .tar / .tar.gz archive); the encryption keys are not in it."
)
@click.argument("out", type=click.Path(path_type=Path))
@friendly
def backup(out: Path) -> None:
    _workbench()
    from sejahtera.i18n import format_number
    from sejahtera.workbench.core import backup as backups

    done = backups.backup(out)
    size = format_number(done.bytes / 1024 / 1024, decimals=1)
    click.echo(
        text("backup.written", path=done.path, files=done.files, size=size, method=done.method)
    )


@main.command(
    help="Pulihkan workbench dari cadangan FILE (checksum diperiksa dahulu; hentikan server "
    "dan worker) / restore the workbench from the backup FILE (checksums checked first; stop "
    "the server and the worker)."
)
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Ganti workbench yang sudah berisi data / replace a workbench that holds data.",
)
@friendly
def restore(file: Path, force: bool) -> None:
    _workbench()
    from sejahtera.workbench.core import backup as backups

    done = backups.restore(file, force=force)
    click.echo(text("backup.restored", path=done.path, files=done.files, method=done.method))
    if done.migrated:
        click.echo(text("backup.migrated"))


for family in (data, measure, rules, evaluate, planning, brief):
    for command in family.COMMANDS:
        main.add_command(command)
