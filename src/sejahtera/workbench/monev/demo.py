"""The monitoring part of the DI Yogyakarta demo: a results framework for each of the two demo
programmes, two or three indicators each with a baseline, targets for 2025 by kabupaten/kota
(one target for the whole programme when the regions are not loaded), and synthetic actuals in
every status, one of them putting an indicator off track; each indicator is linked to its
programme's budget. Loading again adds nothing twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from sejahtera.workbench.monev.models import Actual, Indicator, Level, ResultNode, Status, Target
from sejahtera.workbench.regions.models import Region
from sejahtera.workbench.stakeholders.demo import FOOD, SCHOLARSHIPS, demo_programmes

KABUPATEN = ("34.01", "34.02", "34.03", "34.04", "34.71")
# programme: the statements of its impact, outcome, output and activity
FRAMEWORKS = {
    FOOD: (
        "Kerawanan pangan rumah tangga miskin di DI Yogyakarta menurun",
        "Rumah tangga penerima mengonsumsi pangan yang cukup dan beragam",
        "Paket pangan tersalurkan tepat sasaran dan tepat waktu",
        "Penyaluran paket pangan bulanan bersama mitra",
    ),
    SCHOLARSHIPS: (
        "Angka putus sekolah anak desa menurun",
        "Anak penerima beasiswa tetap bersekolah",
        "Beasiswa tersalurkan kepada anak yang memenuhi syarat",
        "Verifikasi dan penyaluran beasiswa tiap semester",
    ),
}
# (programme, level, code, name, definition, unit, direction, baseline, baseline year, target)
INDICATORS = (
    (FOOD, Level.IMPACT, "BPD-1", "Prevalensi kerawanan pangan sedang atau berat",
     "Persentase rumah tangga dengan skor FIES sedang atau berat (Susenas).", "%", "lower",
     "18.0", 2024, "14.0"),
    (FOOD, Level.OUTCOME, "BPD-2", "Rumah tangga dengan konsumsi pangan cukup",
     "Persentase rumah tangga penerima dengan skor konsumsi pangan (FCS) di atas 35.", "%",
     "higher", "62.0", 2024, "75.0"),
    (FOOD, Level.OUTPUT, "BPD-3", "Paket pangan tersalurkan sesuai jadwal",
     "Persentase paket yang diterima rumah tangga paling lambat tanggal 10 setiap bulan.", "%",
     "higher", "70.0", 2024, "95.0"),
    (SCHOLARSHIPS, Level.OUTCOME, "BAD-1", "Anak penerima yang tetap bersekolah",
     "Persentase anak penerima yang terdaftar di sekolah pada awal tahun ajaran berikutnya.",
     "%", "higher", "80.0", 2024, "92.0"),
    (SCHOLARSHIPS, Level.OUTPUT, "BAD-2", "Anak menerima beasiswa",
     "Jumlah anak yang menerima beasiswa paling sedikit satu semester.", "anak", "higher",
     "0", 2024, "240"),
)  # fmt: skip
# (indicator, period, kabupaten, value, status, source); BPD-3 in 34.03 is the off-track one.
ACTUALS = (
    ("BPD-1", "2025-Q2", "", "15.5", Status.APPROVED, "Survei cepat Dinas Sosial"),
    ("BPD-2", "2025-Q2", "34.01", "69.0", Status.APPROVED, "Laporan pendamping"),
    ("BPD-2", "2025-Q2", "34.02", "70.5", Status.VERIFIED, "Laporan pendamping"),
    ("BPD-3", "2025-Q2", "34.03", "72.0", Status.APPROVED, "Berita acara penyaluran"),
    ("BPD-3", "2025-Q2", "34.04", "88.0", Status.APPROVED, "Berita acara penyaluran"),
    ("BPD-3", "2025-Q3", "34.04", "91.0", Status.SUBMITTED, "Berita acara penyaluran"),
    ("BAD-1", "2025", "34.71", "85.0", Status.REJECTED, "Data Dapodik"),
    ("BAD-2", "2025-Q2", "34.01", "110", Status.APPROVED, "Daftar penyaluran bank"),
    ("BAD-2", "2025-Q2", "34.02", "25", Status.SUBMITTED, "Daftar penyaluran bank"),
)


@dataclass(frozen=True)
class Loaded:
    results: int
    indicators: int
    targets: int
    actuals: int


def _frameworks() -> dict[tuple[str, str], ResultNode]:
    programmes = demo_programmes()
    nodes: dict[tuple[str, str], ResultNode] = {}
    for code, statements in FRAMEWORKS.items():
        parent = None
        for order, (level, statement) in enumerate(zip(Level.values, statements, strict=True)):
            parent, _ = ResultNode.objects.get_or_create(
                programme=programmes[code],
                level=level,
                statement=statement,
                defaults={"parent": parent, "order": order + 1},
            )
            nodes[(code, level)] = parent
    return nodes


@transaction.atomic
def load() -> Loaded:
    nodes = _frameworks()
    regions = Region.objects.in_bulk(KABUPATEN)
    areas = [regions[code] for code in KABUPATEN if code in regions] or [None]
    indicators: dict[str, Indicator] = {}
    for programme, level, code, name, definition, unit, direction, base, year, goal in INDICATORS:
        indicators[code], _ = Indicator.objects.get_or_create(
            result=nodes[(programme, level)],
            code=code,
            defaults={
                "name": name,
                "definition": definition,
                "unit": unit,
                "direction": direction,
                "baseline_value": Decimal(base),
                "baseline_year": year,
                "budget_programme": nodes[(programme, level)].programme,
            },
        )
        for area in areas if level != Level.IMPACT else [None]:
            Target.objects.get_or_create(
                indicator=indicators[code],
                period="2025",
                region=area,
                defaults={"value": Decimal(goal)},
            )
    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="demo-")}
    now = timezone.now()
    for code, period, area, value, status, source in ACTUALS:
        region = regions.get(area) if area else None  # None when the regions are not loaded
        reached = list(Status).index(status)
        Actual.objects.get_or_create(
            indicator=indicators[code],
            period=period,
            region=region,
            source=source,
            defaults={
                "value": Decimal(value),
                "status": status,
                "note": "Data sintetis untuk demo.",
                "review_note": "Angka belum sesuai berita acara." if status == "rejected" else "",
                "submitted_by": users.get("demo-officer"),
                "submitted_at": now - timedelta(days=30),
                "verified_by": users.get("demo-analyst") if 1 <= reached <= 2 else None,
                "verified_at": now - timedelta(days=20) if 1 <= reached <= 2 else None,
                "approved_by": users.get("demo-kepala") if reached == 2 else None,
                "approved_at": now - timedelta(days=10) if reached == 2 else None,
            },
        )
    return Loaded(
        results=len(nodes),
        indicators=len(indicators),
        targets=Target.objects.filter(indicator__in=indicators.values()).count(),
        actuals=Actual.objects.filter(indicator__in=indicators.values()).count(),
    )
