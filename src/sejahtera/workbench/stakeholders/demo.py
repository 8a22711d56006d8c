"""The stakeholders of the DI Yogyakarta demo: synthetic organisations (every name ends in
"(demo)"; the NGOs, groups and company are invented), contacts with made-up names, phone numbers
that are not in use and addresses under the reserved ``.example`` domain, and their engagement in
the two demo programmes. Loading again adds nothing twice."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from sejahtera.workbench.programmes.models import Programme
from sejahtera.workbench.regions.models import Region
from sejahtera.workbench.stakeholders.models import (
    Contact,
    Engagement,
    Kind,
    Organisation,
    RaciRole,
)

# The organisation of the demo partner account (`sejahtera manage demo`), and another partner.
DEMO_PARTNER = "Yayasan Sejahtera Bersama (demo)"
OTHER_PARTNER = "Perkumpulan Peduli Anak Desa (demo)"
FOOD, SCHOLARSHIPS = "bantuan-pangan-daerah", "beasiswa-anak-desa"
PROGRAMMES = {
    FOOD: ("Bantuan Pangan Daerah (demo)", "Dinas Sosial", [DEMO_PARTNER]),
    SCHOLARSHIPS: ("Beasiswa Anak Desa (demo)", "Dinas Pendidikan", [DEMO_PARTNER, OTHER_PARTNER]),
}
DINSOS = "Dinas Sosial Kabupaten Bantul (demo)"
BAPPEDA = "Bappeda Kabupaten Gunungkidul (demo)"
KWT = "Kelompok Wanita Tani Sekar Arum (demo)"
FORUM = "Forum Warga Peduli Pangan (demo)"
COMPANY = "PT Mitra Karya Nusantara (demo)"
# name: (kind, region code, notes, [(contact name, position, phone, email)])
ORGANISATIONS = {
    DINSOS: (Kind.GOVERNMENT, "34.02", "Pelaksana teknis bantuan sosial daerah.", [
        ("Rina Pratiwi", "Kepala Bidang Perlindungan dan Jaminan Sosial", "0812-0000-0101",
         "rina.pratiwi@dinsos.contoh.example"),
        ("Agus Setiawan", "Pekerja Sosial Ahli Muda", "0812-0000-0102", ""),
    ]),
    BAPPEDA: (Kind.GOVERNMENT, "34.03", "Perencanaan dan Musrenbang.", [
        ("Dewi Lestari", "Kepala Subbidang Sosial Budaya", "0813-0000-0201",
         "dewi.lestari@bappeda.contoh.example"),
    ]),
    DEMO_PARTNER: (Kind.NGO, "34.04", "Mitra penyaluran dan pendampingan keluarga.", [
        ("Yusuf Hidayat", "Direktur Program", "0815-0000-0301", "yusuf@ysb.contoh.example"),
        ("Sri Wahyuni", "Koordinator Lapangan", "0815-0000-0302", ""),
    ]),
    OTHER_PARTNER: (Kind.NGO, "34.01", "Pendampingan anak putus sekolah.", [
        ("Hendra Gunawan", "Ketua", "0817-0000-0401", "hendra@ppad.contoh.example"),
    ]),
    KWT: (Kind.COMMUNITY, "34.01", "Kelompok tani perempuan, penerima pelatihan pangan lokal.", [
        ("Sumarni", "Ketua Kelompok", "0818-0000-0501", ""),
    ]),
    FORUM: (Kind.COMMUNITY, "34.03", "", []),
    COMPANY: (Kind.PRIVATE, "34.71", "Dana CSR untuk beasiswa.", [
        ("Bambang Susilo", "Manajer CSR", "0819-0000-0601", "csr@mkn.contoh.example"),
    ]),
}  # fmt: skip
# (organisation, programme, RACI role, influence, interest)
ENGAGEMENTS = (
    (DINSOS, FOOD, RaciRole.ACCOUNTABLE, 5, 5),
    (BAPPEDA, FOOD, RaciRole.CONSULTED, 4, 2),
    (DEMO_PARTNER, FOOD, RaciRole.RESPONSIBLE, 3, 5),
    (KWT, FOOD, RaciRole.INFORMED, 1, 4),
    (FORUM, FOOD, RaciRole.INFORMED, 2, 4),
    (COMPANY, FOOD, RaciRole.INFORMED, 2, 1),
    (DINSOS, SCHOLARSHIPS, RaciRole.ACCOUNTABLE, 5, 4),
    (OTHER_PARTNER, SCHOLARSHIPS, RaciRole.RESPONSIBLE, 3, 5),
    (DEMO_PARTNER, SCHOLARSHIPS, RaciRole.CONSULTED, 2, 3),
    (COMPANY, SCHOLARSHIPS, RaciRole.RESPONSIBLE, 4, 2),
)


@dataclass(frozen=True)
class Loaded:
    programmes: int
    organisations: int
    contacts: int
    engagements: int


def demo_organisation(name: str) -> Organisation:
    """The demo organisation ``name`` with its contacts, made if missing (an existing one is
    left as it is)."""
    kind, region, notes, contacts = ORGANISATIONS[name]
    organisation, created = Organisation.objects.get_or_create(
        name=name,
        defaults={
            "kind": kind,
            "region": Region.objects.filter(code=region).first(),
            "notes": notes,
        },
    )
    if created:
        Contact.objects.bulk_create(
            Contact(organisation=organisation, name=n, position=p, phone=t, email=e)
            for n, p, t, e in contacts
        )
    return organisation


def demo_programmes() -> dict[str, Programme]:
    """The two demo programmes with their partners, made if missing (an existing one is left as
    it is)."""
    made = {}
    for code, (name, unit, partners) in PROGRAMMES.items():
        made[code], created = Programme.objects.get_or_create(
            code=code, defaults={"name": name, "owner_unit": unit}
        )
        if created:
            made[code].partners.set(demo_organisation(partner) for partner in partners)
    return made


@transaction.atomic
def load() -> Loaded:
    programmes = demo_programmes()
    organisations = {name: demo_organisation(name) for name in ORGANISATIONS}
    for organisation, programme, role, influence, interest in ENGAGEMENTS:
        Engagement.objects.get_or_create(
            organisation=organisations[organisation],
            programme=programmes[programme],
            role=role,
            defaults={"influence": influence, "interest": interest},
        )
    return Loaded(
        programmes=len(programmes),
        organisations=len(organisations),
        contacts=Contact.objects.filter(organisation__in=organisations.values()).count(),
        engagements=len(ENGAGEMENTS),
    )
