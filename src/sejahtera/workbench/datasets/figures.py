"""What a version's page shows at a glance: its households by kabupaten/kota, counted from the
version's own files (one column read, part by part), drawn with the reports' bar chart."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.utils import translation
from django.utils.translation import gettext as _

from sejahtera.data.dataset import Dataset as DataFolder
from sejahtera.data.regions import registry
from sejahtera.report.charts import bar_chart
from sejahtera.report.svg import number_format
from sejahtera.workbench.datasets import services
from sejahtera.workbench.datasets.models import DatasetVersion

COLUMN = "regency_code"


@dataclass(frozen=True)
class Areas:
    counts: list[tuple[str, str, int]]  # (code, name, households), most households first
    chart: str  # inline SVG; "" with fewer than two areas

    @property
    def count(self) -> int:
        return len(self.counts)


def households_by_regency(version: DatasetVersion) -> Areas:
    """The version's households in each kabupaten/kota, from its households files."""
    folder = DataFolder.open(services.folder_of(version), verify=False)
    counted: Counter[str] = Counter()
    for households, _persons in folder.part_files():
        column = pq.read_table(households, columns=[COLUMN]).column(COLUMN)
        for entry in pc.value_counts(column).to_pylist():
            counted[str(entry["values"])] += int(entry["counts"])
    names = registry()
    counts = [
        (code, names.name(code) if code in names else code, households)
        for code, households in sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    ]
    chart = ""
    if len(counts) > 1:
        language = "en" if (translation.get_language() or "id").startswith("en") else "id"
        chart = bar_chart(
            [name for _code, name, _n in counts],
            [float(n) for _code, _name, n in counts],
            title=_("Households in the data, by kabupaten/kota"),
            fmt=number_format(0, language_code=language),
            language_code=language,
        )
    return Areas(counts, chart)
