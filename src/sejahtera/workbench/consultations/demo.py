"""The consultations of the DI Yogyakarta demo: a Musrenbang kecamatan with inputs, responses and
follow-ups (one done, one overdue, one open), a focus group, a coordination meeting and an
upcoming public consultation. Dates are set from the day the demo is loaded; participants' names
are made up. Loading again adds nothing twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from sejahtera.workbench.consultations.models import (
    Consultation,
    FollowUp,
    Input,
    Kind,
    Participant,
    Response,
)
from sejahtera.workbench.regions.models import Region
from sejahtera.workbench.stakeholders import demo as stakeholders
from sejahtera.workbench.stakeholders.demo import DEMO_PARTNER
from sejahtera.workbench.stakeholders.models import Organisation

# Each consultation: title → (kind, days from today, region, programme, summary, participants,
# inputs, follow-ups). A participant is (name, affiliation, organisation or None); an input is
# (participant index or None, organisation or None, topic, text, response or ""); a follow-up
# is (action, owner's demo username, due in days from today, input index or None, done).
CONSULTATIONS = {
    "Musrenbang Kecamatan Sentolo 2027 (demo)": (
        Kind.MUSRENBANG, -40, "34.01.06", stakeholders.FOOD,
        "Usulan warga untuk RKPD 2027 bidang sosial dan ketahanan pangan.",
        [
            ("Suparno", "Kepala Desa (fiktif)", None),
            ("Sumarni", "Ketua kelompok", stakeholders.KWT),
            ("Sri Wahyuni", "Koordinator lapangan", DEMO_PARTNER),
            ("Agus Setiawan", "Pekerja sosial", stakeholders.DINSOS),
        ],
        [
            (0, None, "Pendataan",
             "Banyak lansia tunggal belum masuk data penerima bantuan pangan.",
             "Akan diverifikasi bersama pendamping desa pada bulan depan."),
            (1, stakeholders.KWT, "Pangan lokal",
             "Usul agar bantuan pangan memakai hasil panen kelompok tani setempat.",
             "Dibahas dengan Dinas Pertanian untuk uji coba di dua desa."),
            (2, DEMO_PARTNER, "Penyaluran",
             "Jadwal penyaluran sering bertabrakan dengan hari pasar.", ""),
        ],
        [
            ("Verifikasi lapangan lansia tunggal di Desa Sukamaju", "demo-officer", -10, 0, False),
            ("Rapat dengan Dinas Pertanian tentang pangan lokal", "demo-kepala", -20, 1, True),
            ("Susun jadwal penyaluran baru bersama mitra", "demo-officer", 20, 2, False),
        ],
    ),
    "FGD Penyaluran Bantuan Pangan (demo)": (
        Kind.FOCUS_GROUP, -7, "34.02", stakeholders.FOOD,
        "Diskusi terarah dengan pendamping tentang antrean di titik salur.",
        [("Yusuf Hidayat", "Direktur program", DEMO_PARTNER)],
        [(0, DEMO_PARTNER, "Antrean", "Titik salur perlu ditambah di dusun terpencil.", "")],
        [("Petakan titik salur tambahan", "demo-analyst", 7, 0, False)],
    ),
    "Rapat Koordinasi Mitra CSR Beasiswa (demo)": (
        Kind.MEETING, -20, "34.71", stakeholders.SCHOLARSHIPS,
        "Koordinasi dana CSR untuk beasiswa anak desa.",
        [
            ("Bambang Susilo", "Manajer CSR", stakeholders.COMPANY),
            ("Hendra Gunawan", "Ketua", stakeholders.OTHER_PARTNER),
        ],
        [(0, stakeholders.COMPANY, "Pendanaan", "Dana CSR tersedia untuk 50 anak tahun ini.",
          "Daftar calon penerima dikirim setelah verifikasi sekolah.")],
        [("Kirim daftar calon penerima beasiswa", "demo-officer", -3, 0, False)],
    ),
    "Konsultasi Publik Beasiswa Anak Desa (demo)": (
        Kind.PUBLIC_CONSULTATION, 14, "34.03", stakeholders.SCHOLARSHIPS,
        "Rancangan kriteria penerima beasiswa dibuka untuk masukan warga.",
        [], [], [],
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Loaded:
    consultations: int
    follow_ups: int


@transaction.atomic
def load() -> Loaded:
    stakeholders.load()
    programmes = stakeholders.demo_programmes()
    organisations = {o.name: o for o in Organisation.objects.all()}
    users = {
        u.get_username(): u for u in get_user_model().objects.filter(username__startswith="demo-")
    }
    today = timezone.localdate()
    made: list[Consultation] = []
    for title, (
        kind,
        days,
        region,
        programme,
        summary,
        people,
        said,
        owed,
    ) in CONSULTATIONS.items():
        consultation, created = Consultation.objects.get_or_create(
            title=title,
            defaults={
                "kind": kind,
                "date": today + timedelta(days=days),
                "region": Region.objects.filter(code=region).first(),
                "programme": programmes[programme],
                "summary": summary,
            },
        )
        made.append(consultation)
        if not created:
            continue
        participants = [
            Participant.objects.create(
                consultation=consultation,
                name=name,
                affiliation=affiliation,
                organisation=organisations.get(organisation or ""),
            )
            for name, affiliation, organisation in people
        ]
        inputs = []
        for who, organisation, topic, text, answer in said:
            received = Input.objects.create(
                consultation=consultation,
                participant=participants[who] if who is not None else None,
                organisation=organisations.get(organisation or ""),
                topic=topic,
                text=text,
            )
            if answer:
                Response.objects.create(
                    input=received, text=answer, responded_by=users.get("demo-officer")
                )
            inputs.append(received)
        for action, owner, due, answers, done in owed:
            due_date = today + timedelta(days=due)
            FollowUp.objects.create(
                consultation=consultation,
                input=inputs[answers] if answers is not None else None,
                action=action,
                owner=users.get(owner),
                due_date=due_date,
                done_at=timezone.now() - timedelta(days=25) if done else None,
            )
    return Loaded(
        consultations=len(made),
        follow_ups=FollowUp.objects.filter(consultation__in=made).count(),
    )
