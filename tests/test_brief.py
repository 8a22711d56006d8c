"""The policy brief (sejahtera brief): its sections in both languages, its figures against
`sejahtera simulate --json` and a pandas computation from the dataset's own Parquet files, the
same figures in the PDF, the provenance carried inside, reproduce on unchanged and changed
inputs, hostile text written literally, and clear refusals that leave nothing half-written."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import shutil
from pathlib import Path

import docx
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pypdf
import pytest
from click.testing import CliRunner

import sejahtera
from sejahtera.cli import main
from sejahtera.i18n import speaking
from sejahtera.report.brief import (
    Appraisal,
    BriefInput,
    ConsultationNote,
    Criterion,
    Option,
    Position,
    build_brief,
    reproduce,
    write_brief,
)
from sejahtera.report.brief.risks import risks
from sejahtera.report.documents import read_attachment
from sejahtera.synth import SynthOptions, synthesise

REFORM = (
    Path(sejahtera.__file__).parent / "rulesets" / "indonesia" / "reforms" / "lansia-daerah.yaml"
)
HEADINGS = {
    "id": [
        "Ringkasan",
        "Masalah: siapa yang miskin dan di mana",
        "Opsi yang dibandingkan",
        "Rekomendasi",
        "Biaya menurut sumber dana",
        "Risiko dan asumsi",
        "Hasil konsultasi",
        "Rencana pemantauan (Monev)",
        "Lampiran: Asal-usul angka",
    ],
    "en": [
        "Summary",
        "The problem: who is poor and where",
        "The options compared",
        "Recommendation",
        "Costs by funder",
        "Risks and assumptions",
        "What consultations said",
        "Monitoring plan (Monev)",
        "Appendix: Provenance",
    ],
}
LANSIA = "Bantuan lansia daerah Rp200.000 sebulan bagi lansia miskin yang tidak menerima PKH"
HOSTILE = (
    "Alasan #set page(fill: red) *tebal* _miring_ $x^2$ <label> @ref \\ [a] ]] ]]> </w:t> "
    '&amp; "kutip" `kode` // /* #{1} = - + ~ 100%'
)


def run(*arguments: str):
    return CliRunner().invoke(main, list(arguments))


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("brief") / "diy"
    synthesise(SynthOptions("34", 2000, seed=1), path)
    return path


@pytest.fixture(scope="module")
def written(region: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The brief from the command line: DOCX in Indonesian and English, and PDF."""
    folder = tmp_path_factory.mktemp("written")
    out = {"id": folder / "ringkasan.docx", "en": folder / "brief.docx", "pdf": folder / "r.pdf"}
    for key, path in out.items():
        lang = "en" if key == "en" else "id"
        result = run(
            "brief", str(region), "--rules", "indonesia", "--reform", str(REFORM),
            "--period", "2025", "--out", str(path), "--lang", lang,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def simulated(region: Path) -> dict:
    result = run(
        "simulate", str(region), "--rules", "indonesia", "--reform", str(REFORM),
        "--period", "2025", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def headings(path: Path) -> list[str]:
    document = docx.Document(str(path))
    return [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]


def table_with(path: Path, first: str, second: str) -> list[list[str]]:
    for table in docx.Document(str(path)).tables:
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        if rows[0][:2] == [first, second]:
            return rows
    raise AssertionError(f"no table headed {first}, {second}")


def number(shown: str) -> float:
    """An Indonesian number (1.234,5 or 12,5%) back as a float."""
    return float(shown.rstrip("%").replace(".", "").replace(",", "."))


def test_every_section_in_indonesian_and_in_english(written: dict[str, Path]) -> None:
    for lang in ("id", "en"):
        found = headings(written[lang])
        assert found == HEADINGS[lang]
    document = docx.Document(str(written["id"]))
    assert document.core_properties.language == "id-ID"
    assert 'w:val="id-ID"' in document.styles.element.xml
    assert docx.Document(str(written["en"])).core_properties.language == "en-US"
    indonesian = "\n".join(p.text for p in document.paragraphs)
    for english in ("Summary", "Option", "poverty", "Decision", "Today"):
        assert english not in indonesian
    assert "Belum ada keputusan yang dicatat." in indonesian  # the CLI records no decision
    figures = table_with(written["id"], "Kode", "Angka")  # the appendix: units in words
    units = {row[3] for row in figures[1:]}
    assert units == {"Rp/tahun", "jiwa", "rumah tangga", "pecahan (0–1)", "perubahan pecahan",
                     "indeks Gini (0–1)", "perubahan indeks Gini"}  # fmt: skip


def test_options_table_equals_simulate_json(written: dict[str, Path], simulated: dict) -> None:
    rows = table_with(written["id"], "Opsi", "Biaya (Rp miliar/tahun)")
    assert [row[0] for row in rows[1:]] == ["Kondisi saat ini", LANSIA]
    today, reform = rows[1], rows[2]
    base, after, change = simulated["baseline"], simulated["reform"], simulated["difference"]
    assert number(today[1]) == pytest.approx(base["total"]["cost_rp"] / 1e9, abs=0.05)
    assert number(reform[1]) == pytest.approx(after["total"]["cost_rp"] / 1e9, abs=0.05)
    assert number(reform[2]) == pytest.approx(change["net_cost_rp"] / 1e9, abs=0.05)
    assert number(reform[3]) == pytest.approx(change["newly_reached_poor"], abs=0.5)
    for column, key in ((4, "coverage_of_poor"), (5, "exclusion_error"), (6, "inclusion_error")):
        assert number(today[column]) == pytest.approx(100 * base["total"][key], abs=0.05)
        assert number(reform[column]) == pytest.approx(100 * after["total"][key], abs=0.05)
    assert today[2] == today[3] == "–"  # today is not compared with itself
    rows = table_with(written["id"], "Opsi", "P0")
    poverty = rows[2]
    assert number(poverty[1]) == pytest.approx(100 * after["poverty"]["after"]["fgt0"], abs=5e-3)
    assert number(poverty[2]) == pytest.approx(100 * change["poverty_change"]["fgt0"], abs=5e-3)
    assert number(poverty[2]) < 0  # the reform lowers poverty on this data
    funders = table_with(written["id"], "Sumber dana", "Kondisi saat ini")
    by_name = {row[0]: row for row in funders[1:]}
    for name, key in (("APBN", "apbn"), ("APBD kabupaten/kota", "apbd_kabupaten")):
        expected = after["cost_by_funder"][key] / 1e9
        assert number(by_name[name][2]) == pytest.approx(expected, abs=0.05)


def test_needs_table_equals_pandas_on_the_parquet_files(
    written: dict[str, Path], region: Path
) -> None:
    households = pd.read_parquet(region / "households.parquet")
    persons = pd.read_parquet(region / "persons.parquet")
    size = persons.groupby("household_id").size().rename("size")
    frame = households.join(size, on="household_id")
    frame["people"] = frame["weight"] * frame["size"]
    frame["poor"] = frame["people"] * (frame["consumption_pc"] < frame["poverty_line"])
    sums = frame.groupby("regency_code")[["people", "poor"]].sum()
    rows = table_with(written["id"], "Kabupaten/kota", "P0")
    assert len(rows) - 1 == len(sums)
    shown = {row[0]: row for row in rows[1:]}
    assert "Kabupaten Gunungkidul" in shown
    names = {"34.01": "Kabupaten Kulon Progo", "34.03": "Kabupaten Gunungkidul"}
    for code, name in names.items():
        p0 = sums.loc[code, "poor"] / sums.loc[code, "people"]
        assert number(shown[name][1]) == pytest.approx(100 * p0, abs=5e-3)
        assert number(shown[name][2]) == pytest.approx(sums.loc[code, "poor"], abs=0.5)


def test_pdf_has_the_headings_and_the_same_figures(written: dict[str, Path]) -> None:
    reader = pypdf.PdfReader(str(written["pdf"]))
    content = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", " ", content)
    for heading in HEADINGS["id"]:
        assert heading in flat
    rows = table_with(written["id"], "Opsi", "Biaya (Rp miliar/tahun)")
    for cell in rows[2][1:]:  # the reform's cost, net cost, reach and targeting
        assert cell in flat
    assert reader.metadata.title.startswith("Ringkasan kebijakan")


def test_provenance_is_carried_and_names_every_input(written: dict[str, Path], region: Path):
    carried = read_attachment(written["id"], "provenance")
    english = read_attachment(written["en"], "provenance")
    assert english["computations"] == carried["computations"]
    assert [f["value"] for f in english["figures"]] == [f["value"] for f in carried["figures"]]
    checksum = hashlib.sha256((region / "dataset.json").read_bytes()).hexdigest()
    reform = hashlib.sha256(REFORM.read_bytes()).hexdigest()
    computations = carried["computations"]
    assert {c["dataset_checksum"] for c in computations.values()} == {checksum}
    assert {c["software"] for c in computations.values()} == {sejahtera.__version__}
    assert computations["option:reform"]["reform_sha256"] == reform
    assert computations["option:reform"]["reform_text"] == REFORM.read_text("utf-8")
    assert all(f["computation"] in computations for f in carried["figures"])
    pdf = read_attachment(written["pdf"], "provenance")
    assert [f["value"] for f in pdf["figures"]] == [f["value"] for f in carried["figures"]]


def test_reproduce_succeeds_on_unchanged_inputs(written: dict[str, Path]) -> None:
    figures = len(read_attachment(written["id"], "provenance")["figures"])
    for path in (written["id"], written["pdf"]):
        result = run("brief", "reproduce", str(path))
        assert result.exit_code == 0, result.output
        assert f"{figures} dari {figures} angka dapat dihasilkan ulang." in result.stdout


def _copy_with_brief(region: Path, folder: Path) -> tuple[Path, Path]:
    data = folder / "diy"
    shutil.copytree(region, data)
    out = folder / "ringkasan.docx"
    result = run(
        "brief", str(data), "--rules", "indonesia", "--reform", str(REFORM),
        "--period", "2025", "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return data, out


def _change_consumption(data: Path) -> None:
    households = pq.read_table(data / "households.parquet").to_pandas()
    poor = households.index[households["consumption_pc"] < households["poverty_line"]][0]
    households.loc[poor, "consumption_pc"] = households.loc[poor, "poverty_line"] * 3
    schema = pq.read_schema(data / "households.parquet")
    changed = pa.Table.from_pandas(households, schema=schema, preserve_index=False)
    pq.write_table(changed, data / "households.parquet")


def test_reproduce_fails_naming_the_dataset_when_it_changed(tmp_path: Path, region: Path):
    data, out = _copy_with_brief(region, tmp_path)
    _change_consumption(data)  # and the manifest's checksum, so the dataset is valid again
    manifest = json.loads((data / "dataset.json").read_text())
    digest = hashlib.sha256((data / "households.parquet").read_bytes()).hexdigest()
    manifest["files"]["households.parquet"] = digest
    (data / "dataset.json").write_text(json.dumps(manifest, indent=2))
    result = run("--lang", "en", "brief", "reproduce", str(out))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"Dataset {data} changed" in result.stderr
    assert "Figure 'Penduduk miskin' (needs.poor)" in result.stderr  # one poor household fewer
    assert "figures reproduced" in result.stdout


def test_reproduce_fails_when_a_data_file_changed_behind_the_manifest(tmp_path: Path, region):
    data, out = _copy_with_brief(region, tmp_path)
    _change_consumption(data)
    result = run("--lang", "en", "brief", "reproduce", str(out))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"The data files of dataset {data} changed" in result.stderr
    assert "0 of" in result.stdout


def test_hostile_text_is_written_literally(tmp_path: Path, region: Path) -> None:
    inp = BriefInput(
        region, "indonesia", "2025",
        [Option("lansia", "Lansia <daerah> #1", reform_text=REFORM.read_text("utf-8")),
         Option("padat-karya", "Padat karya", simulated=False, description=HOSTILE)],
        chosen="lansia", rationale=HOSTILE, decided_by="Kepala Bagian *Kesra*",
        decided_at=datetime.datetime(2025, 6, 30, 9, 0),
        appraisal=Appraisal(
            [Criterion("cost", "Biaya", 1), Criterion("poverty", "Kemiskinan", 3)],
            {"status_quo": {"cost": 4, "poverty": 1}, "lansia": {"cost": 2, "poverty": 4}},
        ),
        consultations=[ConsultationNote(datetime.date(2025, 5, 2), "Dinas Sosial", HOSTILE)],
        stakeholder_positions=[Position("Bappeda", "mendukung", HOSTILE)],
    )  # fmt: skip
    brief = build_brief(inp)
    write_brief(brief, tmp_path / "b.docx")
    write_brief(brief, tmp_path / "b.pdf")
    document = docx.Document(str(tmp_path / "b.docx"))
    paragraphs = [p.text for p in document.paragraphs]
    assert HOSTILE in paragraphs
    assert (
        "Keputusan: Lansia <daerah> #1; diputuskan oleh Kepala Bagian *Kesra* pada 2025-06-30."
        in paragraphs
    )
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert cells.count(HOSTILE) == 2  # the consultation and the stakeholder's note
    appraisal = table_with(tmp_path / "b.docx", "Opsi", "Biaya (bobot 1,00)")
    weighted = {row[0]: row[-1] for row in appraisal[1:]}
    assert weighted.pop("Padat karya") == "–"  # not scored
    weighted = {name: number(shown) for name, shown in weighted.items()}
    assert weighted["Kondisi saat ini"] == pytest.approx((4 * 1 + 1 * 3) / 4, abs=0.005)
    assert weighted["Lansia <daerah> #1"] == pytest.approx((2 * 1 + 4 * 3) / 4, abs=0.005)
    pdf = pypdf.PdfReader(str(tmp_path / "b.pdf"))
    flat = re.sub(r"\s+", "", "".join(page.extract_text() for page in pdf.pages))
    assert re.sub(r"\s+", "", HOSTILE) in flat
    assert len(pdf.pages) > 3  # the text did not turn the page red or end the document
    assert reproduce(tmp_path / "b.pdf").ok


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--out", "{tmp}/brief.txt"], "unknown type"),
        (["--out", "{tmp}/missing/brief.docx"], "does not exist"),
    ],
)
def test_bad_output_is_refused_before_any_work(tmp_path: Path, region: Path, arguments, message):
    shown = [a.replace("{tmp}", str(tmp_path)) for a in arguments]
    result = run("--lang", "en", "brief", str(region), "--rules", "indonesia", "--period",
                 "2025", *shown)  # fmt: skip
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_missing_dataset_and_unreadable_briefs_are_clear_errors(tmp_path: Path) -> None:
    result = run("--lang", "en", "brief", str(tmp_path / "nowhere"), "--rules", "indonesia",
                 "--period", "2025", "--out", str(tmp_path / "b.pdf"))  # fmt: skip
    assert result.exit_code == 2 and "nowhere" in result.stderr
    assert list(tmp_path.iterdir()) == []
    plain = tmp_path / "plain.docx"
    docx.Document().save(str(plain))
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(b"%PDF-1.7 not really")
    for path, said in ((plain, "carries no 'provenance' data"), (damaged, "is damaged")):
        result = run("--lang", "en", "brief", "reproduce", str(path))
        assert result.exit_code == 2, result.output
        assert said in result.stderr and "Traceback" not in result.output


def test_a_change_to_national_programmes_is_named_as_a_proposal(region: Path) -> None:
    """Widening PKH moves APBN money, which a region cannot decide; the regional elderly
    allowance (APBD) moves none. The amount is the APBN part of the net cost that
    `sejahtera simulate --json` reports."""
    reforms = REFORM.parent
    inp = BriefInput(
        region, "indonesia", "2025",
        [Option("pkh5", "PKH desil 5", reform_text=(reforms / "pkh-desil-5.yaml").read_text()),
         Option("lansia", "Lansia daerah", reform_text=REFORM.read_text("utf-8"))],
    )  # fmt: skip
    with speaking("id"):
        said = risks(build_brief(inp))
    national = [r for r in said if "APBN" in r and "usulan" in r]
    assert [r.split(" mengubah")[0] for r in national] == ["PKH desil 5"]
    simulated = json.loads(
        run(
            "simulate", str(region), "--rules", "indonesia", "--period", "2025", "--json",
            "--reform", str(reforms / "pkh-desil-5.yaml"),
        ).output
    )  # fmt: skip
    apbn = simulated["difference"]["net_cost_by_funder"]["apbn"]
    assert apbn > 0
    assert f"Rp{apbn / 1e9:.1f}".replace(".", ",") in national[0]
