"""``sejahtera manage demo_grievances``: about twenty synthetic grievances for the demo.

No real person is in them: every name has the family name "Contoh" (example), every NIK ends in
the serial number ``0000``, which is never issued, after a DI Yogyakarta region code and a random
birth date, and phone numbers start ``+62000``. They come in every status, a few of them past due
and not escalated yet (``escalate_grievances`` will find them). They name the demo's areas,
programmes and officers when those are loaded (``load_regions 34``, ``demo``).

Run again, it adds nothing: the demo grievances have fixed tracking codes (from a seeded random
generator), and the first one already exists.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from sejahtera.workbench.core import audit
from sejahtera.workbench.core.policy import roles_for
from sejahtera.workbench.grievances.models import (
    CODE_ALPHABET,
    CODE_LENGTH,
    OPEN,
    SENSITIVE_BY_DEFAULT,
    SLA_DAYS,
    Category,
    Channel,
    Grievance,
    GrievanceEvent,
    Status,
)
from sejahtera.workbench.programmes.models import Programme
from sejahtera.workbench.regions.models import Region

SEED = 6
COUNT = 20
GIVEN_NAMES = (
    "Sri", "Budi", "Siti", "Agus", "Dewi", "Joko", "Rina", "Wahyu", "Endang", "Bambang",
    "Tri", "Suparmi", "Eko", "Lestari", "Slamet", "Ngatini",
)  # fmt: skip
DESCRIPTIONS = {
    Category.TARGETING: (
        "Keluarga kami tidak terdaftar sebagai penerima bantuan, padahal tetangga dengan kondisi "
        "lebih baik terdaftar.",
        "Ibu saya sudah meninggal tahun lalu tetapi masih tercatat sebagai penerima.",
        "Kami sudah mengajukan usulan lewat desa tiga bulan lalu tetapi belum ada verifikasi.",
    ),
    Category.PAYMENT: (
        "Bantuan tahap kedua belum masuk ke rekening kami.",
        "Jumlah yang diterima kurang dari yang diumumkan.",
        "Kartu KKS tidak bisa dipakai di agen bank terdekat.",
    ),
    Category.SERVICE: (
        "Antrean di kantor pos sangat panjang dan tidak ada tempat duduk untuk lansia.",
        "Petugas tidak bisa menjelaskan kapan bantuan akan cair.",
    ),
    Category.MISCONDUCT: (
        "Ada pendamping yang meminta uang agar nama kami tetap terdaftar.",
        "Bantuan beras dipotong oleh oknum di tingkat dusun.",
    ),
    Category.OTHER: (
        "Mohon informasi syarat pendaftaran untuk keluarga yang baru pindah.",
        "Alamat di data penerima salah dan perlu diperbaiki.",
    ),
}
RESOLUTION = "Data Anda sudah diperiksa ulang dan diperbaiki. (contoh)"
# The statuses of the demo, in order: the steps each one went through.
PATHS = {
    Status.RECEIVED: (Status.RECEIVED,),
    Status.ASSIGNED: (Status.RECEIVED, Status.ASSIGNED),
    Status.IN_PROGRESS: (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS),
    Status.ESCALATED: (Status.RECEIVED, Status.ESCALATED),
    Status.RESOLVED: (Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS, Status.RESOLVED),
    Status.APPEALED: (Status.RECEIVED, Status.ASSIGNED, Status.RESOLVED, Status.APPEALED),
    Status.CLOSED: (Status.RECEIVED, Status.ASSIGNED, Status.RESOLVED, Status.CLOSED),
}
PLAN = (
    [Status.RECEIVED] * 4
    + [Status.ASSIGNED] * 3
    + [Status.IN_PROGRESS] * 3
    + [Status.ESCALATED] * 2
    + [Status.RESOLVED] * 3
    + [Status.APPEALED]
    + [Status.CLOSED] * 4
)


def synthetic_nik(rng: random.Random, district_code: str) -> str:
    """A NIK of the right shape that no one holds: serial number 0000."""
    day = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
    birth = f"{day:02d}{rng.randint(1, 12):02d}{rng.randint(40, 99):02d}"
    return f"{district_code.replace('.', '')[:6]}{birth}0000"


def _received_at(
    rng: random.Random, number: int, status: Status, category: Category, now: datetime
) -> datetime:
    """Open grievances mostly within their service level, every fourth past it (not escalated
    yet); escalated ones past it; the others anywhere in the last two months."""
    sla = SLA_DAYS[category]
    if status == Status.ESCALATED:
        days = sla + rng.randint(1, 5)
    elif status in OPEN and status != Status.APPEALED:
        days = sla + rng.randint(2, 10) if number % 4 == 0 else rng.randint(0, sla - 1)
    else:
        days = rng.randint(sla, 60)
    return now - timedelta(days=days, hours=rng.randint(0, 8))


def _person(rng: random.Random, village: Region | None) -> dict[str, str]:
    if rng.random() < 0.2:  # anonymous
        return {}
    return {
        "name": f"{rng.choice(GIVEN_NAMES)} Contoh",
        "nik": synthetic_nik(rng, village.code if village else "34.04.13"),
        "phone": f"+62000{rng.randint(1_000_000, 9_999_999)}",
        "address": f"Dusun Contoh RT 0{rng.randint(1, 9)}/RW 0{rng.randint(1, 9)}",
    }


class Command(BaseCommand):
    help = "Add about twenty synthetic grievances (no real person) for the demo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=SEED)

    def handle(self, *args: object, **options: object) -> None:
        rng = random.Random(options["seed"])
        codes = ["".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)) for _ in PLAN]
        if Grievance.objects.filter(code=codes[0]).exists():
            self.stdout.write("demo grievances already loaded")
            return
        villages = list(
            Region.objects.filter(level="village", code__startswith="34.").order_by("code")
        )
        programmes = list(Programme.objects.order_by("code"))
        officers = list(
            get_user_model()
            .objects.filter(profile__role__in=roles_for("grievance.handle"))
            .order_by("pk")
        )
        now = timezone.now()
        with transaction.atomic():
            for number, (code, status) in enumerate(zip(codes, PLAN, strict=True)):
                category = rng.choice(list(Category))
                village = rng.choice(villages) if villages else None
                grievance = Grievance(
                    code=code,
                    channel=rng.choice(list(Channel)),
                    category=category,
                    programme=rng.choice(programmes) if programmes and rng.random() < 0.8 else None,
                    region=village,
                    description=rng.choice(DESCRIPTIONS[category]),
                    sensitive=category in SENSITIVE_BY_DEFAULT,
                    status=status,
                    assigned_to=rng.choice(officers)
                    if officers and status != Status.RECEIVED
                    else None,
                    received_at=_received_at(rng, number, status, category, now),
                    **_person(rng, village),
                )
                self._save_with_history(rng, grievance, now)
            audit.record(None, "demo_grievances_loaded", None, count=len(PLAN))
        self.stdout.write(f"{len(PLAN)} demo grievances added")

    def _save_with_history(self, rng: random.Random, grievance: Grievance, now: datetime) -> None:
        steps = PATHS[Status(grievance.status)]
        start = grievance.received_at
        times = [start, *sorted(start + (now - start) * rng.random() for _ in steps[1:])]
        if Status.RESOLVED in steps:
            grievance.resolved_at = times[steps.index(Status.RESOLVED)]
        if grievance.status == Status.ESCALATED:
            grievance.escalated_at = times[-1]
        if grievance.status == Status.APPEALED:
            grievance.due_at = times[-1] + timedelta(days=grievance.sla_days)
        grievance.save()
        for step, at in zip(steps, times, strict=True):
            GrievanceEvent.objects.create(
                grievance=grievance,
                at=at,
                status=step,
                by=grievance.assigned_to if step != Status.RECEIVED else None,
                note="(demo)" if step != Status.RECEIVED else "",
                public_message=RESOLUTION if step == Status.RESOLVED else "",
            )
