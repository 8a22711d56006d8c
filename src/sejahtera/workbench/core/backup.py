"""Backup and restore of a workbench: its database and its files (``sejahtera backup`` and
``sejahtera restore``).

A backup is a folder, or a tar archive of the same folder (``OUT.tar``, ``OUT.tar.gz``)::

    manifest.json          format, software version, time, database method, migrations applied,
                           and the SHA-256 and size of every other file
    database/              workbench.sqlite3 (SQLite's online backup API, consistent while the
                           server runs) or postgresql.sql (pg_dump, plain SQL)
    datasets/              settings.DATASETS_ROOT: versions/ and uploads/ (not staging/)
    data/                  the rest of settings.DATA_FOLDER: briefs, documents, evaluations,
                           exports… (not the database, the field key, static/)

The field-encryption keys (``SEJAHTERA_FIELD_KEYS``, or a development ``field.key``) are never
in a backup: the operator keeps them apart; without them the personal columns cannot be read.

A restore checks every checksum before it touches anything, refuses a workbench that holds data
unless ``force``, moves the present database and folders aside, puts the backup's in place,
migrates when the backup is older than the software, and only then removes what it moved aside;
any failure puts the old ones back.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

from sejahtera.errors import SejahteraError
from sejahtera.version import __version__

FORMAT = "sejahtera-backup/1"
MANIFEST = "manifest.json"
DATABASE, DATASETS, DATA = "database", "datasets", "data"
SQLITE_FILE, POSTGRES_FILE = "workbench.sqlite3", "postgresql.sql"
# Never copied from the data folder: the database (copied its own way), the field key (kept
# apart by the operator), collected static files (made again by collectstatic).
KEY_FILE = "field.key"
SKIPPED_DATA = {"static"}
SKIPPED_DATASETS = {"staging"}  # work in progress when the backup ran
ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz")
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Summary:
    """What a backup or a restore did: where, how many files, the database method."""

    path: Path
    files: int
    bytes: int
    method: str
    migrated: bool = False


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _engine() -> str:
    engine = settings.DATABASES["default"]["ENGINE"]
    return "sqlite" if engine.endswith("sqlite3") else "postgresql"


def _sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"]).resolve()


def _data_folder() -> Path:
    return Path(settings.DATA_FOLDER).resolve()


def _datasets_root() -> Path:
    return Path(settings.DATASETS_ROOT).resolve()


def _data_entries() -> list[Path]:
    """The top-level entries of the data folder a backup holds."""
    folder = _data_folder()
    if not folder.is_dir():
        return []
    skipped = {_datasets_root(), *(_sqlite_files() if _engine() == "sqlite" else [])}
    return sorted(
        entry
        for entry in folder.iterdir()
        if entry.resolve() not in skipped
        and entry.name not in SKIPPED_DATA
        and not entry.name.startswith((KEY_FILE, "."))
        and ".before-restore-" not in entry.name
    )


def _sqlite_files() -> list[Path]:
    base = _sqlite_path()
    return [base, *(base.with_name(base.name + end) for end in ("-wal", "-shm", "-journal"))]


def applied_migrations() -> dict[str, list[str]]:
    from django.db.migrations.recorder import MigrationRecorder

    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections["default"]).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _known_migrations() -> set[tuple[str, str]]:
    from django.db.migrations.loader import MigrationLoader

    return set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)


# --- backup ---------------------------------------------------------------------------------


def backup(out: Path) -> Summary:
    """Write a backup of this workbench to ``out`` (a folder, or an archive by its suffix),
    atomically: a temporary sibling renamed into place when whole."""
    out = out.resolve()
    archive = out.name.endswith(ARCHIVE_SUFFIXES)
    if not archive and out.exists():
        raise SejahteraError("backup.out_exists", path=out)
    for folder in (_data_folder(), _datasets_root()):
        if folder in out.parents:  # the next backup would hold this one, and so on
            raise SejahteraError("backup.inside", path=out, folder=folder)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise SejahteraError("backup.unwritable", path=out, detail=exc.strerror or exc) from None
    try:
        method = _copy_database(work / DATABASE)
        _copy_tree(_datasets_root(), work / DATASETS, SKIPPED_DATASETS)
        (work / DATA).mkdir()
        for entry in _data_entries():
            _copy_entry(entry, work / DATA / entry.name)
        files = _checksums(work)
        manifest = {
            "format": FORMAT,
            "software": __version__,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": {"engine": _engine(), "method": method},
            "migrations": applied_migrations(),
            "field_keys": "not included: keep SEJAHTERA_FIELD_KEYS apart from the backups",
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), "utf-8")
        if archive:
            made = out.with_name(f".{out.name}.{os.getpid()}.part")
            mode = "w:gz" if out.name.endswith(("gz", "tgz")) else "w"
            # Readable by its owner only, as the database it holds.
            with (
                open(made, "xb", opener=lambda p, f: os.open(p, f, 0o600)) as raw,
                tarfile.open(fileobj=raw, mode=mode) as tar,
            ):
                for path in sorted(work.rglob("*")):
                    tar.add(path, arcname=path.relative_to(work).as_posix(), recursive=False)
            os.replace(made, out)
        else:
            os.rename(work, out)
    except OSError as exc:
        raise SejahteraError("backup.unwritable", path=out, detail=exc.strerror or exc) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if archive:
            out.with_name(f".{out.name}.{os.getpid()}.part").unlink(missing_ok=True)
    return Summary(out, len(files), sum(f["bytes"] for f in files.values()), method)


def _copy_database(target: Path) -> str:
    target.mkdir()
    if _engine() == "sqlite":
        source = sqlite3.connect(f"file:{_sqlite_path()}?mode=ro", uri=True)
        copy = sqlite3.connect(target / SQLITE_FILE)
        try:
            source.backup(copy)  # page by page, consistent with concurrent writers
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            copy.close()
            source.close()
        return "sqlite-backup"
    if shutil.which("pg_dump") is None:
        raise SejahteraError("backup.no_pg_dump")
    command = ["pg_dump", "--format=plain", "--no-owner", "--no-privileges"]
    command += ["--file", str(target / POSTGRES_FILE)]
    _run_postgres(command)
    return "pg_dump"


def _postgres_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for name, key in (
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ):
        if db.get(key):
            env[name] = str(db[key])
    return env


def _run_postgres(command: list[str], stdin: Any = None) -> None:
    done = subprocess.run(
        command, env=_postgres_env(), stdin=stdin, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-1:] or [str(done.returncode)]
        raise SejahteraError("backup.postgres_failed", command=command[0], detail=detail[0])


def _copy_tree(source: Path, target: Path, skipped: set[str]) -> None:
    target.mkdir()
    if source.is_dir():
        for entry in sorted(source.iterdir()):
            if entry.name not in skipped:
                _copy_entry(entry, target / entry.name)


def _copy_entry(source: Path, target: Path) -> None:
    if source.is_symlink():
        return  # a link may point anywhere; a backup holds files only
    if source.is_dir():
        shutil.copytree(source, target, symlinks=True, ignore=_links)
    else:
        shutil.copy2(source, target)


def _links(folder: str, names: list[str]) -> list[str]:
    return [name for name in names if os.path.islink(os.path.join(folder, name))]


def _checksums(folder: Path) -> dict[str, dict[str, Any]]:
    return {
        path.relative_to(folder).as_posix(): {"sha256": sha256(path), "bytes": path.stat().st_size}
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.relative_to(folder).as_posix() != MANIFEST
    }


# --- restore --------------------------------------------------------------------------------


def restore(source: Path, *, force: bool = False) -> Summary:
    """Put the backup at ``source`` in place of this workbench's database and files."""
    source = source.resolve()
    if not source.exists():
        raise SejahteraError("backup.not_found", path=source)
    data_folder = _data_folder()
    data_folder.mkdir(parents=True, exist_ok=True)
    for stale in data_folder.glob(".restore.*"):  # left by a restore that was killed
        shutil.rmtree(stale, ignore_errors=True)
    with _unpacked(source, data_folder) as folder:
        manifest = verified(folder)
        known = _known_migrations()
        applied = {(app, n) for app, names in manifest["migrations"].items() for n in names}
        if unknown := sorted(applied - known):
            raise SejahteraError("backup.newer", migration=".".join(unknown[0]))
        method = manifest["database"]["method"]
        if (method == "pg_dump") != (_engine() == "postgresql"):
            raise SejahteraError(
                "backup.other_engine", method=method, engine=_engine(), path=source
            )
        if not force and _holds_data():
            raise SejahteraError("backup.not_empty")
        migrated = applied != known
        _put_in_place(folder, method, migrate=migrated)
    files = manifest["files"]
    return Summary(source, len(files), sum(f["bytes"] for f in files.values()), method, migrated)


@contextmanager
def _unpacked(source: Path, beside: Path) -> Iterator[Path]:
    """The backup as a folder: a folder as it is, an archive unpacked next to the data
    (the same file system, so that its parts are renamed into place, not copied)."""
    if source.is_dir():
        work = Path(tempfile.mkdtemp(prefix=".restore.", dir=beside))
        try:
            shutil.copytree(source, work / "backup", symlinks=True)
            yield work / "backup"
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    work = Path(tempfile.mkdtemp(prefix=".restore.", dir=beside))
    try:
        try:
            with tarfile.open(source) as tar:
                tar.extractall(work, filter="data")  # no links out, no absolute paths
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise SejahteraError("backup.unreadable", path=source, detail=exc) from None
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def verified(folder: Path) -> dict[str, Any]:
    """The manifest of the backup in ``folder``, once every file matches its checksum and no
    file is missing or added; else the first file that does not, named."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
        files: dict[str, dict[str, Any]] = manifest["files"]
        assert manifest["format"] == FORMAT
    except (OSError, ValueError, KeyError, TypeError, AssertionError):
        raise SejahteraError("backup.no_manifest", path=folder / MANIFEST) from None
    present = set(_checksums(folder))
    for name in sorted(set(files) | present):
        if name not in present:
            raise SejahteraError("backup.missing", file=name)
        if name not in files:
            raise SejahteraError("backup.unlisted", file=name)
        if sha256(folder / name) != files[name]["sha256"]:
            raise SejahteraError("backup.changed", file=name)
    return manifest


def _holds_data() -> bool:
    """Whether this workbench already holds something a restore would replace."""
    from django.contrib.auth import get_user_model
    from django.db.utils import DatabaseError

    try:
        if get_user_model().objects.exists():
            return True
    except DatabaseError:
        pass  # no tables yet
    finally:
        connections.close_all()
    root = _datasets_root()
    areas = [root / "versions", root / "uploads", *_data_entries()]
    return any((area.is_dir() and any(area.iterdir())) or area.is_file() for area in areas)


def _put_in_place(folder: Path, method: str, *, migrate: bool) -> None:
    """Move the present database and folders aside, the backup's in, migrate when asked; undo
    on any failure (a PostgreSQL database already restored stays restored)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    moved: list[tuple[Path, Path]] = []  # (place, aside)
    placed: list[Path] = []

    def aside(place: Path) -> None:
        if place.exists() or place.is_symlink():
            away = place.with_name(f"{place.name}.before-restore-{stamp}")
            os.rename(place, away)
            moved.append((place, away))

    connections.close_all()
    try:
        if method == "sqlite-backup":
            for part in _sqlite_files():
                aside(part)
            target = _sqlite_path()
            shutil.copy2(folder / DATABASE / SQLITE_FILE, target)
            placed.append(target)
        root = _datasets_root()
        aside(root)
        root.parent.mkdir(parents=True, exist_ok=True)
        os.rename(folder / DATASETS, root)
        placed.append(root)
        for entry in _data_entries():
            aside(entry)
        for entry in sorted((folder / DATA).iterdir()):
            os.rename(entry, _data_folder() / entry.name)
            placed.append(_data_folder() / entry.name)
        if method == "pg_dump":
            _restore_postgres(folder / DATABASE / POSTGRES_FILE)
        if migrate:
            from django.core.management import call_command

            call_command("migrate", interactive=False, verbosity=0)
            connections.close_all()
    except BaseException as exc:
        connections.close_all()
        for path in placed:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        for place, away in reversed(moved):
            os.rename(away, place)
        if isinstance(exc, SejahteraError | KeyboardInterrupt | SystemExit):
            raise
        raise SejahteraError("backup.restore_failed", detail=exc) from exc
    for _place, away in moved:
        if away.is_dir():
            shutil.rmtree(away, ignore_errors=True)
        else:
            away.unlink(missing_ok=True)


def _restore_postgres(dump: Path) -> None:
    """The dump in one transaction, after emptying the schema: all of it, or nothing changed."""
    connections.close_all()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as script:
        script.write("DROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n")
        with dump.open(encoding="utf-8") as file:
            shutil.copyfileobj(file, script)
        script.seek(0)
        _run_postgres(["psql", "--single-transaction", "-v", "ON_ERROR_STOP=1", "-q"], script)
