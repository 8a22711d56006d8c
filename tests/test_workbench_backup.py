"""``sejahtera backup`` and ``sejahtera restore`` (workbench/core/backup.py), run as an operator
runs them: the CLI in a process of its own, on a workbench of its own (its own data folder and
database), never the test database. A round trip on SQLite brings back the records (an encrypted
personal column too) and the files byte for byte, checked against SHA-256 computed here; a
changed byte is refused, naming the file, with nothing changed; on PostgreSQL the database part
goes round (a database made for the test and dropped after it)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

SEJAHTERA = str(Path(sys.executable).with_name("sejahtera"))
BRIEF = b"%PDF-1.7 brief\x00\xff" * 100
SLICE = b"household_id,consumption_pc\nH1,812345\n"

# Records made, then changed, then read back: users and an organisation's contact, whose name
# and phone are encrypted at rest.
MAKE = """
from django.contrib.auth.models import User
from sejahtera.workbench.stakeholders.models import Contact, Organisation
User.objects.create(username="ani"); User.objects.create(username="budi")
org = Organisation.objects.create(name="LKS Sejahtera", kind="ngo")
Contact.objects.create(organisation=org, name="Siti Aminah", phone="0812345678")
"""
CHANGE = """
from django.contrib.auth.models import User
from sejahtera.workbench.stakeholders.models import Contact
User.objects.filter(username="budi").delete(); User.objects.create(username="carl")
Contact.objects.update(name="Diganti")
"""
READ = """
def read():
    from django.contrib.auth.models import User
    from sejahtera.workbench.stakeholders.models import Contact
    return {"users": sorted(User.objects.values_list("username", flat=True)),
            "contacts": sorted([c.name, c.phone] for c in Contact.objects.all())}
"""
BEFORE = {"users": ["ani", "budi"], "contacts": [["Siti Aminah", "0812345678"]]}


def environment(home: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEJAHTERA_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        SEJAHTERA_DATA=str(home / "var"),
        SEJAHTERA_TWO_FACTOR="off",
        SEJAHTERA_LANG="en",
        SEJAHTERA_FIELD_KEYS=Fernet.generate_key().decode(),
        DJANGO_SETTINGS_MODULE="sejahtera.workbench.settings",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


# One process per test runs its steps in order: a command through click's runner (the CLI as
# typed), code, or a read of the records; each process starting Django costs seconds.
DRIVER = """
import json, sys
import django
django.setup()
from click.testing import CliRunner
from sejahtera.cli import main
answers = []
for kind, step in json.loads(sys.argv[1]):
    if kind == "cli":
        done = CliRunner().invoke(main, ["--lang", "en", *step])
        answers.append({"code": done.exit_code, "out": done.stdout, "err": done.stderr})
    else:
        exec(step)
        answers.append(None)
    if kind == "read":
        answers[-1] = read()
print(json.dumps(answers))
"""


def steps(env: dict[str, str], *todo: tuple[str, object]) -> list:
    """Run ``todo`` (("cli", [arguments]) / ("code", source) / ("read", READ)) in one process."""
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, json.dumps(todo)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture(scope="module")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A migrated SQLite workbench with records, a dataset version's file and a brief."""
    home = tmp_path_factory.mktemp("workbench")
    env = environment(home)
    (migrated, _) = steps(env, ("cli", ["manage", "migrate", "-v0"]), ("code", MAKE))
    assert migrated["code"] == 0, migrated
    (home / "var" / "datasets" / "versions" / "a1").mkdir(parents=True)
    (home / "var" / "datasets" / "versions" / "a1" / "slice.csv").write_bytes(SLICE)
    (home / "var" / "datasets" / "staging" / "b2").mkdir(parents=True)  # an import under way
    (home / "var" / "briefs").mkdir()
    (home / "var" / "briefs" / "brief-1.pdf").write_bytes(BRIEF)
    return home, env


def test_round_trip_on_sqlite(workbench: tuple[Path, dict[str, str]]) -> None:
    home, env = workbench
    var = home / "var"
    (written,) = steps(env, ("cli", ["backup", str(home / "backup.tar")]))
    assert written["code"] == 0, written
    assert "NOT included" in written["out"]  # the field keys are kept apart, and it says so
    assert (home / "backup.tar").stat().st_mode & 0o777 == 0o600  # personal data: owner only
    with tarfile.open(home / "backup.tar") as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    manifest = json.loads(members.pop("manifest.json"))
    # Every file listed, with the checksum of the bytes as they were on disk (computed here).
    assert manifest["files"]["data/briefs/brief-1.pdf"]["sha256"] == digest(BRIEF)
    assert manifest["files"]["datasets/versions/a1/slice.csv"]["sha256"] == digest(SLICE)
    assert {name: digest(data) for name, data in members.items()} == {
        name: entry["sha256"] for name, entry in manifest["files"].items()
    }
    assert not any("staging" in name or "field" in name for name in members)
    key = env["SEJAHTERA_FIELD_KEYS"].encode()
    assert not any(key in data for data in members.values())
    assert manifest["database"] == {"engine": "sqlite", "method": "sqlite-backup"}
    assert "0001_initial" in manifest["migrations"]["stakeholders"]
    assert manifest["software"] and manifest["created"].endswith("+00:00")
    # The database copy is a whole SQLite file with the records in it, the name encrypted.
    copy = home / "copy.sqlite3"
    copy.write_bytes(members["database/workbench.sqlite3"])
    with sqlite3.connect(copy) as db:
        users = sorted(r[0] for r in db.execute("select username from auth_user"))
        names = [r[0] for r in db.execute("select name from stakeholders_contact")]
    assert users == ["ani", "budi"]
    assert names and "Siti" not in names[0]

    (var / "briefs" / "brief-1.pdf").write_bytes(b"changed")
    (var / "briefs" / "brief-2.pdf").write_bytes(b"new")
    shutil.rmtree(var / "datasets" / "versions" / "a1")
    archive = str(home / "backup.tar")
    _, changed, refused, after_refusal, restored, after = steps(
        env,
        ("code", CHANGE),
        ("read", READ),
        ("cli", ["restore", archive]),
        ("read", READ),
        ("cli", ["restore", "--force", archive]),
        ("read", READ),
    )
    assert changed["users"] == ["ani", "carl"]
    assert refused["code"] == 2
    assert "--force" in refused["err"] and "Traceback" not in refused["err"]
    assert after_refusal == changed
    assert restored["code"] == 0, restored
    assert "every checksum matching" in restored["out"]
    assert after == BEFORE
    assert files(var / "briefs") == {"brief-1.pdf": BRIEF}
    assert (var / "datasets" / "versions" / "a1" / "slice.csv").read_bytes() == SLICE
    assert not [p for p in var.rglob("*") if "before-restore" in p.name or ".restore." in p.name]


def test_a_changed_byte_is_refused_and_nothing_changes(
    workbench: tuple[Path, dict[str, str]],
) -> None:
    home, env = workbench
    var = home / "var"
    folder = home / "backup-folder"
    written, inside, _, before = steps(
        env,
        ("cli", ["backup", str(folder)]),
        ("cli", ["backup", str(var / "briefs" / "b.tar")]),
        ("code", CHANGE),
        ("read", READ),
    )
    assert written["code"] == 0, written
    # A backup is not written inside what it backs up.
    assert inside["code"] == 2 and "outside" in inside["err"]
    assert not (var / "briefs" / "b.tar").exists()
    brief = folder / "data" / "briefs" / "brief-1.pdf"
    data = bytearray(brief.read_bytes())
    data[7] ^= 1
    brief.write_bytes(bytes(data))
    database, on_disk = (var / "workbench.sqlite3").read_bytes(), files(var / "briefs")

    refused, after = steps(env, ("cli", ["restore", "--force", str(folder)]), ("read", READ))
    assert refused["code"] == 2
    assert "data/briefs/brief-1.pdf" in refused["err"] and "checksum" in refused["err"]
    assert "Traceback" not in refused["err"]
    assert after == before
    assert (var / "workbench.sqlite3").read_bytes() == database
    assert files(var / "briefs") == on_disk

    # A file slipped in beside the listed ones is refused too, by name.
    brief.write_bytes(BRIEF)
    (folder / "data" / "briefs" / "extra.pdf").write_bytes(b"x")
    refused, after = steps(env, ("cli", ["restore", "--force", str(folder)]), ("read", READ))
    assert refused["code"] == 2 and "data/briefs/extra.pdf" in refused["err"]
    assert after == before


@pytest.mark.postgres
def test_round_trip_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    import psycopg

    name = f"sejahtera_backup_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = postgres_url.rsplit("/", 1)[0] + "/" + name
    env = environment(tmp_path, url)
    archive = str(tmp_path / "backup.tar.gz")
    try:
        migrated, _, written, _, restored, after = steps(
            env,
            ("cli", ["manage", "migrate", "-v0"]),
            ("code", MAKE),
            ("cli", ["backup", archive]),
            ("code", CHANGE),
            ("cli", ["restore", "--force", archive]),
            ("read", READ),
        )
        assert migrated["code"] == 0, migrated
        assert written["code"] == 0 and "pg_dump" in written["out"], written
        assert restored["code"] == 0, restored
        assert after == BEFORE
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_an_older_backup_is_migrated(workbench: tuple[Path, dict[str, str]]) -> None:
    home, env = workbench
    archive = str(home / "older.tar.gz")
    applied = (
        "def read():\n"
        "    from django.db.migrations.recorder import MigrationRecorder\n"
        "    return sorted(MigrationRecorder.Migration.objects.filter(app='consultations')"
        ".values_list('name', flat=True))\n"
    )
    older, before, written, _, restored, after, migrations = steps(
        env,
        ("cli", ["manage", "migrate", "consultations", "0001", "-v0"]),  # as an older release
        ("read", READ),
        ("cli", ["backup", archive]),
        ("cli", ["manage", "migrate", "-v0"]),  # the software updated
        ("cli", ["restore", "--force", archive]),
        ("read", READ),
        ("read", applied),
    )
    assert older["code"] == 0 and written["code"] == 0, (older, written)
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert manifest["migrations"]["consultations"] == ["0001_initial"]
    assert restored["code"] == 0, restored
    assert "migrations were run" in restored["out"]
    assert after == before
    assert migrations == ["0001_initial", "0002_encrypted_personal_data"]


def test_a_restore_failing_midway_puts_the_old_data_back(
    workbench: tuple[Path, dict[str, str]],
) -> None:
    """A backup consistent with its manifest (rewritten to fit) whose database is no database
    and whose migrations call for a migrate: the migrate fails after the backup is in place."""
    home, env = workbench
    var = home / "var"
    folder = home / "broken"
    written, before = steps(env, ("cli", ["backup", str(folder)]), ("read", READ))
    assert written["code"] == 0, written
    (folder / "database" / "workbench.sqlite3").write_bytes(b"not a database" * 100)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["database/workbench.sqlite3"]["sha256"] = digest(b"not a database" * 100)
    manifest["migrations"]["consultations"] = ["0001_initial"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    database, on_disk = (var / "workbench.sqlite3").read_bytes(), files(var / "datasets")

    failed, after = steps(env, ("cli", ["restore", "--force", str(folder)]), ("read", READ))
    assert failed["code"] == 2 and "put back" in failed["err"], failed
    assert "Traceback" not in failed["err"]
    assert after == before
    assert (var / "workbench.sqlite3").read_bytes() == database
    assert files(var / "datasets") == on_disk
    assert not [p for p in var.rglob("*") if "before-restore" in p.name]
