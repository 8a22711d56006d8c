"""The workbench tests' datasets: one small synthetic dataset folder (made once per run), a
version registered from it, an upload of files written in a test, and the demo households and
persons written out in each format an office sends (CSV, Excel, Stata, SPSS, Parquet)."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

import pandas as pd
import pyreadstat
from django.core.files.uploadedfile import SimpleUploadedFile

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


def demo_frames(limit: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tiny dataset's households and persons as an office's export would hold them: plain
    columns (booleans as 0/1, codes as text), under the schema's names."""
    data = DataFolder.open(tiny())
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
