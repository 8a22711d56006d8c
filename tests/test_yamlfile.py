"""The one YAML reader: YAML 1.2 scalars, lines, duplicate keys, the limits on a file, and the one
unknown-key message of mapping files, MPI specifications and rulesets."""

from __future__ import annotations

import datetime
import math
from pathlib import Path

import pytest

from sejahtera.data.mapping import load_mapping
from sejahtera.i18n import text
from sejahtera.measure.mpi import load_spec
from sejahtera.rules.parameters import load_parameters
from sejahtera.yamlfile import FileError, Limits, Located, parse_yaml, read_yaml


def refused(content: str, limits: Limits | None = None) -> FileError:
    with pytest.raises(FileError) as caught:
        parse_yaml(content, "berkas.yaml", limits or Limits())
    for language in ("id", "en"):
        assert "berkas.yaml" in text(caught.value.key, language, **caught.value.values)
    return caught.value


def test_yaml_1_2_scalars() -> None:
    content = parse_yaml(
        "a: no\nb: yes\nc: on\nd: off\ne: Ya\nf: true\ng: FALSE\nh: 01\ni: 42\nj: -7\n"
        "k: 0.25\nl: 1e6\nm: .inf\nn: ~\no:\np: 0x1F\nq: 1_000\nr: 1:30\n",
        "berkas.yaml",
    )

    assert content == {
        **{"a": "no", "b": "yes", "c": "on", "d": "off", "e": "Ya", "f": True, "g": False},
        **{"h": "01", "i": 42, "j": -7, "k": 0.25, "l": 1e6, "m": math.inf, "n": None, "o": None},
        **{"p": "0x1F", "q": "1_000", "r": "1:30"},
    }
    assert type(content["i"]) is int and type(content["f"]) is bool


def test_dates_are_dates_and_other_timestamps_text() -> None:
    content = parse_yaml(
        "2025-01-01: {value: 1}\nwhen: 2025-01-01 10:00\nwrong: 2025-13-01\n", "berkas.yaml"
    )

    assert list(content) == [datetime.date(2025, 1, 1), "when", "wrong"]
    assert content["when"] == "2025-01-01 10:00" and content["wrong"] == "2025-13-01"


def test_every_mapping_knows_the_line_of_its_keys() -> None:
    content = parse_yaml("# note\nhouseholds:\n  columns:\n    ID: household_id\n", "x.yaml")

    assert isinstance(content, Located) and content.lines == {"households": 2}
    columns = content["households"]["columns"]
    assert (columns.line, columns.lines) == (4, {"ID": 4})


def test_a_key_written_twice_is_refused_with_its_line() -> None:
    error = refused("name: a\nhouseholds:\n  file: x.csv\n  file: y.csv\n")

    assert (error.key, error.line) == ("yamlfile.duplicate_key", 4)
    assert error.values["key"] == "file" and error.values["first"] == 3


def test_an_alias_bomb_is_refused_before_it_is_built() -> None:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in "bcdefghij":
        previous = chr(ord(level) - 1)
        lines.append(f"{level}: &{level} [{', '.join([f'*{previous}'] * 9)}]")
    error = refused("\n".join(lines) + "\n")  # 9 ** 9 values once expanded

    assert error.key == "yamlfile.aliases" and error.line == 6
    assert "100.000" in str(error)  # the limit, in Indonesian digits
    assert refused("a: &a [1, *a]\n").key == "yamlfile.recursive_alias"


def test_a_few_aliases_are_read() -> None:
    content = parse_yaml("base: &base {weight: 1}\nother: *base\n", "berkas.yaml")

    assert content["other"] == {"weight": 1}
    small = Limits(max_alias_nodes=2)
    assert refused("base: &base {weight: 1}\nother: *base\n", small).key == "yamlfile.aliases"


def test_deep_nesting_is_refused() -> None:
    error = refused("a: " + "[" * 150 + "]" * 150 + "\n")

    assert (error.key, error.line) == ("yamlfile.too_deep", 1)
    assert parse_yaml("a: " + "[" * 50 + "]" * 50, "berkas.yaml") is not None


def test_an_oversized_file_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "besar.yaml"
    path.write_bytes(b"a: 1\n" + b"#" * 10_000_000)
    with pytest.raises(FileError) as caught:
        read_yaml(path, "besar.yaml")
    assert caught.value.key == "yamlfile.too_large" and "besar.yaml" in str(caught.value)
    small = tmp_path / "kecil.yaml"
    small.write_text("name: a\n", "utf-8")
    assert read_yaml(small, "kecil.yaml", Limits(max_bytes=100)) == {"name": "a"}
    with pytest.raises(FileError):
        read_yaml(small, "kecil.yaml", Limits(max_bytes=4))


@pytest.mark.parametrize(
    ("content", "key", "line"),
    [
        ("a: [\n", "yamlfile.syntax", 2),
        ("a:\n\tb: 1\n", "yamlfile.syntax", 2),
        ("a: 1\nb: \x07\n", "yamlfile.syntax", 2),
        ("a: 1\n---\nb: 2\n", "yamlfile.syntax", 2),
        ("a: !!binary aGVsbG8=\n", "yamlfile.syntax", 1),
        ("a: !!int sepuluh\n", "yamlfile.bad_scalar", 1),
        ("a: 1\n? [x, y]\n: 2\n", "yamlfile.bad_key", 2),
    ],
)
def test_what_cannot_be_read_is_named_with_its_line(content: str, key: str, line: int) -> None:
    error = refused(content)

    assert (error.key, error.line) == (key, line)
    assert f"berkas.yaml, baris {line}" in str(error)


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(FileError) as caught:
        read_yaml(tmp_path / "tidak-ada.yaml")
    assert caught.value.key == "yamlfile.not_found"
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("nama: Désa\n".encode("latin-1"))
    for path in (latin, tmp_path):
        with pytest.raises(FileError) as caught:
            read_yaml(path)
        assert caught.value.key == "yamlfile.unreadable" and str(path) in str(caught.value)


def test_an_empty_file_is_none(tmp_path: Path) -> None:
    path = tmp_path / "kosong.yaml"
    path.write_text("# nothing yet\n", "utf-8")

    assert read_yaml(path) is None


def test_the_same_unknown_key_message_everywhere(tmp_path: Path) -> None:
    mapping = tmp_path / "pemetaan.yaml"
    mapping.write_text("households:\n  columns: {ID: household_id}\n  colums: {}\n", "utf-8")
    spec = tmp_path / "ikm.yaml"
    spec.write_text("name: ikm\ncutoff: 1/3\n", "utf-8")
    rules = tmp_path / "parameters"
    rules.mkdir()
    (rules / "benefit.yaml").write_text("values:\n  2025-01-01: {value: 1}\nunits: IDR\n", "utf-8")
    errors = []
    for load, path in ((load_mapping, mapping), (load_spec, spec), (load_parameters, rules)):
        with pytest.raises(FileError) as caught:
            load(path)
        errors.append(caught.value)

    assert [(e.key, e.line, e.values["key"]) for e in errors] == [
        ("yamlfile.unknown_key", 3, "colums"),
        ("yamlfile.unknown_key", 2, "cutoff"),
        ("yamlfile.unknown_key", 3, "units"),
    ]
    allowed = "columns, constants, file, sheet, values"
    assert text("yamlfile.unknown_key", "en", **errors[0].values) == (
        f"{mapping}, line 3: unknown key 'colums'; allowed: {allowed}."
    )
    assert str(errors[2]).startswith("benefit.yaml, baris 3: kunci 'units' tidak dikenal")
