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
import json
from django.contrib.auth.models import User
from sejahtera.workbench.stakeholders.models import Contact
print(json.dumps({"users": sorted(User.objects.values_list("username", flat=True)),
                  "contacts": sorted((c.name, c.phone) for c in Contact.objects.all())}))
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


def sejahtera(env: dict[str, str], *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SEJAHTERA, "--lang", "en", *arguments], env=env, capture_output=True, text=True
    )


def django(env: dict[str, str], code: str) -> str:
    script = "import django; django.setup()\n" + code
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def state(env: dict[str, str]) -> dict[str, list]:
    return json.loads(django(env, READ))


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
    migrated = sejahtera(env, "manage", "migrate", "-v0")
    assert migrated.returncode == 0, migrated.stderr
    django(env, MAKE)
    (home / "var" / "datasets" / "versions" / "a1").mkdir(parents=True)
    (home / "var" / "datasets" / "versions" / "a1" / "slice.csv").write_bytes(SLICE)
    (home / "var" / "datasets" / "staging" / "b2").mkdir(parents=True)  # an import under way
    (home / "var" / "briefs").mkdir()
    (home / "var" / "briefs" / "brief-1.pdf").write_bytes(BRIEF)
    return home, env


def test_round_trip_on_sqlite(workbench: tuple[Path, dict[str, str]]) -> None:
    home, env = workbench
    var = home / "var"
    written = sejahtera(env, "backup", str(home / "backup.tar"))
    assert written.returncode == 0, written.stderr
    assert "NOT included" in written.stdout  # the field keys are kept apart, and it says so
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
    assert key_absent(members, env)
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

    django(env, CHANGE)
    (var / "briefs" / "brief-1.pdf").write_bytes(b"changed")
    (var / "briefs" / "brief-2.pdf").write_bytes(b"new")
    shutil.rmtree(var / "datasets" / "versions" / "a1")
    changed = state(env)
    assert changed["users"] == ["ani", "carl"]

    refused = sejahtera(env, "restore", str(home / "backup.tar"))
    assert refused.returncode == 2
    assert "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert state(env) == changed

    restored = sejahtera(env, "restore", "--force", str(home / "backup.tar"))
    assert restored.returncode == 0, restored.stderr
    assert "every checksum matching" in restored.stdout
    assert state(env) == BEFORE
    assert files(var / "briefs") == {"brief-1.pdf": BRIEF}
    assert (var / "datasets" / "versions" / "a1" / "slice.csv").read_bytes() == SLICE
    assert not [p for p in var.rglob("*") if "before-restore" in p.name or ".restore." in p.name]


def key_absent(members: dict[str, bytes], env: dict[str, str]) -> bool:
    key = env["SEJAHTERA_FIELD_KEYS"].encode()
    return not any(key in data for data in members.values())


def test_a_changed_byte_is_refused_and_nothing_changes(
    workbench: tuple[Path, dict[str, str]],
) -> None:
    home, env = workbench
    var = home / "var"
    folder = home / "backup-folder"
    written = sejahtera(env, "backup", str(folder))
    assert written.returncode == 0, written.stderr
    brief = folder / "data" / "briefs" / "brief-1.pdf"
    data = bytearray(brief.read_bytes())
    data[7] ^= 1
    brief.write_bytes(bytes(data))
    django(env, CHANGE)
    before, database = state(env), (var / "workbench.sqlite3").read_bytes()
    on_disk = files(var / "briefs")

    refused = sejahtera(env, "restore", "--force", str(folder))
    assert refused.returncode == 2
    assert "data/briefs/brief-1.pdf" in refused.stderr and "checksum" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert state(env) == before
    assert (var / "workbench.sqlite3").read_bytes() == database
    assert files(var / "briefs") == on_disk

    # A file slipped in beside the listed ones is refused too, by name.
    brief.write_bytes(BRIEF)
    (folder / "data" / "briefs" / "extra.pdf").write_bytes(b"x")
    refused = sejahtera(env, "restore", "--force", str(folder))
    assert refused.returncode == 2 and "data/briefs/extra.pdf" in refused.stderr
    assert state(env) == before


@pytest.mark.postgres
def test_round_trip_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    import psycopg

    name = f"sejahtera_backup_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = postgres_url.rsplit("/", 1)[0] + "/" + name
    env = environment(tmp_path, url)
    try:
        migrated = sejahtera(env, "manage", "migrate", "-v0")
        assert migrated.returncode == 0, migrated.stderr
        django(env, MAKE)
        written = sejahtera(env, "backup", str(tmp_path / "backup.tar.gz"))
        assert written.returncode == 0, written.stderr
        assert "pg_dump" in written.stdout
        django(env, CHANGE)
        restored = sejahtera(env, "restore", "--force", str(tmp_path / "backup.tar.gz"))
        assert restored.returncode == 0, restored.stderr
        assert state(env) == BEFORE
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
