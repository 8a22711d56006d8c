"""Dataset folders of schema ``sejahtera/v1``: reading, checksums, and atomic writing.

A dataset is a folder holding ``dataset.json`` and either one ``households.parquet`` and one
``persons.parquet``, or the folders ``households/`` and ``persons/`` with matching part files
(``part-00000.parquet``…), each persons part holding the members of the same households part.
``dataset.json`` records the SHA-256 of every data file; opening a dataset checks them.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sejahtera.data.schema import SCHEMA_VERSION, TABLES, Table, to_arrow
from sejahtera.errors import SejahteraError

MANIFEST = "dataset.json"
MANIFEST_LIMIT = 10 << 20  # bytes: a manifest lists files and checksums, never data
_BLOCK = 1 << 20


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Manifest:
    name: str
    region_code: str
    reference_date: str
    source: str
    synthetic: bool
    households: int = 0
    persons: int = 0
    files: dict[str, str] = field(default_factory=dict)  # relative path → sha256
    created: str = ""
    generator: dict[str, object] = field(default_factory=dict)
    schema: str = SCHEMA_VERSION

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, ensure_ascii=False, sort_keys=True) + "\n"

    @classmethod
    def from_file(cls, path: Path) -> Manifest:
        try:
            if path.stat().st_size > MANIFEST_LIMIT:
                raise SejahteraError(
                    "dataset.bad_manifest", path=path, detail=f"> {MANIFEST_LIMIT} bytes"
                )
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SejahteraError("dataset.no_manifest", path=path.parent) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SejahteraError("dataset.bad_manifest", path=path, detail=str(exc)) from None
        except RecursionError:  # [[[[…]]]] nested beyond Python's stack
            raise SejahteraError("dataset.bad_manifest", path=path, detail="nesting") from None
        except OSError as exc:
            detail = exc.strerror or str(exc)
            raise SejahteraError("dataset.bad_manifest", path=path, detail=detail) from None
        if not isinstance(raw, dict) or not isinstance(raw.get("files", {}), dict):
            raise SejahteraError("dataset.bad_manifest", path=path, detail="not a JSON object")
        if raw.get("schema") != SCHEMA_VERSION:
            raise SejahteraError(
                "dataset.schema_version",
                path=path,
                found=raw.get("schema"),
                expected=SCHEMA_VERSION,
            )
        known = set(cls.__dataclass_fields__)
        try:
            return cls(**{k: v for k, v in raw.items() if k in known})
        except TypeError as exc:
            raise SejahteraError("dataset.bad_manifest", path=path, detail=str(exc)) from None


class Dataset:
    """An opened dataset folder."""

    def __init__(self, path: Path, manifest: Manifest) -> None:
        self.path = path
        self.manifest = manifest

    @classmethod
    def open(cls, path: str | os.PathLike[str], verify: bool = True) -> Dataset:
        folder = Path(path)
        if not folder.is_dir():
            raise SejahteraError("dataset.not_found", path=folder)
        dataset = cls(folder, Manifest.from_file(folder / MANIFEST))
        if verify:
            dataset.verify()
        return dataset

    def verify(self) -> None:
        """Check every file against its recorded checksum, and the row counts against it."""
        rows = {table: 0 for table in TABLES}
        for household_file, person_file in self.part_files():
            for table, file in zip(TABLES, (household_file, person_file), strict=True):
                relative = str(file.relative_to(self.path))
                if not file.is_file():
                    raise SejahteraError("dataset.file_missing", path=file)
                if sha256(file) != self.manifest.files[relative]:
                    raise SejahteraError("dataset.checksum", path=file)
                rows[table] += pq.ParquetFile(file).metadata.num_rows
        claimed = {"households": self.manifest.households, "persons": self.manifest.persons}
        if rows != claimed:
            raise SejahteraError("dataset.counts", path=self.path, found=rows, claimed=claimed)
        for name in self.extras():
            for file in self.extra_files(name):
                if not file.is_file():
                    raise SejahteraError("dataset.file_missing", path=file)
                if sha256(file) != self.manifest.files[str(file.relative_to(self.path))]:
                    raise SejahteraError("dataset.checksum", path=file)

    def extras(self) -> list[str]:
        """Tables beside households and persons (``panel``: the synthetic evaluation panel)."""
        names = set()
        for file in self.manifest.files:
            name = file.split("/")[0].removesuffix(".parquet")
            if not re.fullmatch(r"[a-z_]+", name) or not _is_part(file, name):
                raise SejahteraError(
                    "dataset.bad_manifest",
                    path=self.path / MANIFEST,
                    detail=f"unexpected file {file}",
                )
            names.add(name)
        return sorted(names - set(TABLES))

    def extra_files(self, name: str) -> list[Path]:
        return [
            self.path / f
            for f in sorted(self.manifest.files)
            if _is_part(f, name)  # type: ignore[arg-type]
        ]

    def extra(self, name: str, columns: list[str] | None = None) -> pd.DataFrame:
        """The extra table ``name`` (all its parts), e.g. ``dataset.extra("panel")``."""
        files = self.extra_files(name)
        if not files:
            raise SejahteraError("dataset.no_table", path=self.path, name=name)
        return pa.concat_tables(pq.read_table(f, columns=columns) for f in files).to_pandas()

    def part_files(self) -> list[tuple[Path, Path]]:
        """Pairs of (households file, persons file), in order.

        The manifest must list at least one pair, each a ``.parquet`` file inside the folder.
        """
        names = [f for f in self.manifest.files if any(_is_part(f, t) for t in TABLES)]
        households = sorted(f for f in names if _is_part(f, "households"))
        persons = sorted(f for f in names if _is_part(f, "persons"))
        paired = [
            (h, p)
            for h, p in zip(households, persons, strict=False)
            if h.replace("households", "persons", 1) == p
        ]
        if not paired or len(paired) != len(names) / 2 or len(households) != len(persons):
            raise SejahteraError(
                "dataset.bad_manifest",
                path=self.path / MANIFEST,
                detail="files must be matching households/persons parts",
            )
        return [(self.path / h, self.path / p) for h, p in paired]

    def read_file(self, path: Path, columns: list[str] | None = None) -> pd.DataFrame:
        return pq.read_table(path, columns=columns).to_pandas()

    def _read(self, table: str, columns: list[str] | None) -> pa.Table:
        files = [pair[TABLES.index(table)] for pair in self.part_files()]  # type: ignore[arg-type]
        return pa.concat_tables(pq.read_table(f, columns=columns) for f in files)

    def households(self, columns: list[str] | None = None) -> pd.DataFrame:
        return self._read("households", columns).to_pandas()

    def persons(self, columns: list[str] | None = None) -> pd.DataFrame:
        return self._read("persons", columns).to_pandas()

    def partitions(
        self,
        household_columns: list[str] | None = None,
        person_columns: list[str] | None = None,
    ) -> Iterator[tuple[pa.Table, pa.Table]]:
        """Each part's households and persons, one part in memory at a time."""
        for household_file, person_file in self.part_files():
            yield (
                pq.read_table(household_file, columns=household_columns),
                pq.read_table(person_file, columns=person_columns),
            )


def _is_part(name: str, table: str) -> bool:
    """``households.parquet`` or ``households/part-NNNNN.parquet``: nothing outside the folder."""
    if name == f"{table}.parquet":
        return True
    parts = name.split("/")
    return (
        len(parts) == 2
        and parts[0] == table
        and parts[1].startswith("part-")
        and parts[1].endswith(".parquet")
        and ".." not in parts[1]
    )


class DatasetWriter:
    """Write a dataset into a hidden sibling folder and move it into place only on success.

    Used as a context manager: an exception inside the block removes everything written, so the
    destination is either the complete new dataset or exactly what was there before.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        manifest: Manifest,
        partitioned: bool = False,
        overwrite: bool = False,
    ) -> None:
        self.path = Path(path)
        self.manifest = manifest
        self.partitioned = partitioned
        self.overwrite = overwrite
        self._parts = 0
        self._temporary = self.path.parent / f".{self.path.name}.tmp-{uuid.uuid4().hex[:8]}"

    def __enter__(self) -> DatasetWriter:
        if self.path.exists() and not self.overwrite:
            raise SejahteraError("dataset.exists", path=self.path)
        if self.path.exists() and not (self.path / MANIFEST).is_file():
            # --overwrite replaces a dataset, never some other folder or file.
            raise SejahteraError("dataset.not_a_dataset", path=self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._temporary.mkdir()
            if self.partitioned:
                for table in TABLES:
                    (self._temporary / table).mkdir()
        except OSError as exc:
            shutil.rmtree(self._temporary, ignore_errors=True)
            raise _unwritable(self.path, exc) from None
        return self

    def write_part(self, households: pa.Table, persons: pa.Table) -> None:
        if not self.partitioned and self._parts:
            raise ValueError("an unpartitioned dataset has exactly one part")
        for table, data in zip(TABLES, (households, persons), strict=True):
            relative = (
                f"{table}/part-{self._parts:05d}.parquet"
                if self.partitioned
                else f"{table}.parquet"
            )
            pq.write_table(data, self._temporary / relative, compression="zstd")
        self.manifest.households += households.num_rows
        self.manifest.persons += persons.num_rows
        self._parts += 1

    @property
    def parts(self) -> int:
        """How many parts have been written."""
        return self._parts

    def write_extra(self, name: str, data: pa.Table) -> None:
        """Another table beside the part just written (one file per part when partitioned)."""
        if not self._parts:
            raise ValueError("write a part first")
        if self.partitioned:
            (self._temporary / name).mkdir(exist_ok=True)
            relative = f"{name}/part-{self._parts - 1:05d}.parquet"
        else:
            relative = f"{name}.parquet"
        pq.write_table(data, self._temporary / relative, compression="zstd")

    def __exit__(self, kind: object, error: object, traceback: object) -> None:
        if error is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            if isinstance(error, OSError):  # a full disk, a folder made read-only meanwhile
                raise _unwritable(self.path, error) from None
            return
        try:
            self._finish()
        except OSError as exc:
            shutil.rmtree(self._temporary, ignore_errors=True)
            raise _unwritable(self.path, exc) from None
        except BaseException:
            shutil.rmtree(self._temporary, ignore_errors=True)
            raise

    def _finish(self) -> None:
        if self._parts == 0:
            raise ValueError("no data written")
        self.manifest.files = {
            str(f.relative_to(self._temporary)): sha256(f)
            for f in sorted(self._temporary.rglob("*.parquet"))
        }
        if not self.manifest.synthetic:  # synthetic data: same options, same bytes
            self.manifest.created = self.manifest.created or datetime.now(UTC).isoformat(
                timespec="seconds"
            )
        (self._temporary / MANIFEST).write_text(self.manifest.to_json(), encoding="utf-8")
        _replace(self._temporary, self.path)


def _unwritable(path: Path, error: OSError) -> SejahteraError:
    """A write that failed (disk full, no permission): nothing of it is left behind."""
    full = error.errno == errno.ENOSPC or "No space left" in str(error)  # Arrow gives no errno
    key = "dataset.disk_full" if full else "dataset.unwritable"
    return SejahteraError(key, path=path, detail=error.strerror or str(error))


def _replace(new: Path, target: Path) -> None:
    """Put ``new`` at ``target``; an existing target is kept aside until the swap succeeded."""
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
        target.rename(old)
    try:
        new.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        with contextlib.suppress(OSError):
            shutil.rmtree(old)


def write_dataset(
    path: str | os.PathLike[str],
    households: pd.DataFrame | pa.Table,
    persons: pd.DataFrame | pa.Table,
    manifest: Manifest,
    overwrite: bool = False,
) -> Dataset:
    """Write a whole in-memory dataset as one part."""
    with DatasetWriter(path, manifest, overwrite=overwrite) as writer:
        writer.write_part(_arrow(households, "households"), _arrow(persons, "persons"))
    return Dataset.open(path, verify=False)


def _arrow(frame: pd.DataFrame | pa.Table, table: Table) -> pa.Table:
    return frame if isinstance(frame, pa.Table) else to_arrow(frame, table)
