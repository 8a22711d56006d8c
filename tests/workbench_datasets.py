"""The workbench tests' datasets: one small synthetic dataset folder (made once per run), a
version registered from it, an upload of files written in a test, and the demo households and
persons written out in each format an office sends (CSV, Excel, Stata, SPSS, Parquet)."""

from __future__ import annotations

import html
import re
import tempfile
from functools import cache
from pathlib import Path

import pandas as pd
import pyreadstat
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sejahtera.data.dataset import Dataset as DataFolder
from sejahtera.synth import SynthOptions, synthesise
from sejahtera.workbench.datasets import services, uploads
from sejahtera.workbench.datasets.models import DatasetVersion, Upload


@cache
def tiny() -> Path:
    """A synthetic DI Yogyakarta of 60 households (its folder, shared by the run's tests)."""
    folder = Path(tempfile.mkdtemp(prefix="sejahtera-tiny-")) / "diy"
    return synthesise(SynthOptions("34", 60, seed=2), folder).path


def registered(name: str = "Registri DIY") -> DatasetVersion:
    return services.register(tiny(), name=name).version


def uploaded(owner, dataset_name: str = "DTSEN uji", **files: tuple[str, bytes]) -> Upload:
    """An upload of ``files`` (table → (file name, content)) stored as the browser's would be."""
    received = {t: SimpleUploadedFile(name, content) for t, (name, content) in files.items()}
    return uploads.store(received, owner=owner, dataset=None, dataset_name=dataset_name)


def demo_frames(
    limit: int | None = None, folder: Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tiny dataset's (or the dataset ``folder``'s) households and persons as an office's
    export would hold them: plain columns (booleans as 0/1, codes as text), under the schema's
    names."""
    data = DataFolder.open(folder or tiny())
    households, persons = data.households(), data.persons()
    if limit is not None:
        households = households.head(limit)
        persons = persons[persons["household_id"].isin(households["household_id"])]
    return _plain(households), _plain(persons)


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for name in frame.columns:
        column = frame[name]
        if column.dtype == bool or str(column.dtype) == "boolean":
            out[name] = column.astype("Int64")
        elif str(column.dtype) in ("string", "category", "object"):
            out[name] = column.astype(object).where(column.notna(), None)
        else:
            out[name] = column
    return out.reset_index(drop=True)


def written(frame: pd.DataFrame, folder: Path, stem: str, kind: str) -> Path:
    """``frame`` written as a ``kind`` file (csv, xlsx, dta, sav, parquet) in ``folder``."""
    path = folder / f"{stem}.{kind}"
    if kind == "csv":
        frame.to_csv(path, index=False)
    elif kind == "xlsx":
        frame.to_excel(path, index=False)
    elif kind == "dta":
        _floats(frame).to_stata(path, write_index=False, version=118)
    elif kind == "sav":
        pyreadstat.write_sav(_floats(frame), str(path))
    else:
        frame.to_parquet(path, index=False)
    return path


def _floats(frame: pd.DataFrame) -> pd.DataFrame:
    """Stata and SPSS files hold no nullable integers: 0/1 flags become numbers."""
    return frame.astype({c: "float64" for c in frame.columns if str(frame[c].dtype) == "Int64"})


def leftovers(root: Path) -> list[Path]:
    """What is inside versions/ and staging/ under the datasets root."""
    return [p for area in ("versions", "staging") for p in (root / area).glob("**/*")]


def upload(client: Client, *, name: str = "DTSEN uji", **files: Path) -> Upload:
    """Post ``files`` (households=…, persons=…) in the browser as a new dataset ``name``."""
    response = post_files(client, {"new_name": name}, **files)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Upload.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def post_files(client: Client, data: dict[str, object], **files: Path):
    """The upload form posted with ``files`` (table → path) and the other fields ``data``."""
    handles = {table: path.open("rb") for table, path in files.items()}
    try:
        return client.post("/datasets/upload/", data | handles)
    finally:
        for handle in handles.values():
            handle.close()


def mapping_form(client: Client, made: Upload, query: str = "") -> dict[str, str]:
    """The mapping form's fields as the page fills them in (each select's chosen option)."""
    page = client.get(f"/datasets/uploads/{made.pk}/{query}").content.decode()
    chosen = {}
    for name, options in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        picked = re.search(r'<option value="([^"]*)" selected>', options)
        chosen[name] = html.unescape(picked.group(1)) if picked else ""
    chosen.pop("mapping", None)  # the saved-mapping chooser is its own form
    tag = re.search(r'<input [^>]*name="save_as"[^>]*>', page)
    value = re.search(r' value="([^"]*)"', tag.group(0)) if tag else None
    chosen["save_as"] = html.unescape(value.group(1)) if value else ""
    return chosen


def imported(client: Client, made: Upload, fields: dict[str, str]) -> Upload:
    """The mapping form posted (the import runs in the request in tests); the upload after."""
    response = client.post(f"/datasets/uploads/{made.pk}/", fields)
    assert response.status_code == 302, response.content.decode()[:3000]
    made.refresh_from_db()
    return made


REPORT_CELLS = ("file", "row", "column", "value", "rule")


def problems_in(page: str) -> list[dict[str, str]]:
    """The validation report's rows as the page shows them: file, row, column, value, rule
    (the rule's words), and its key (``data-rule``)."""
    table = re.search(r'<table id="problems">.*?<tbody>(.*?)</tbody>', page, re.S)
    found = []
    for key, cells in re.findall(r'<tr data-rule="([^"]*)">(.*?)</tr>', table.group(1), re.S):
        texts = [_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", cells, re.S)]
        found.append(
            dict(zip(("file", "row", "column", "value", "rule"), texts, strict=True), key=key)
        )
    return found


def _text(cell: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
