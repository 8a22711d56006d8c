"""Concurrent writes never give a 500: two requests at the same moment, each in its own thread
with its own client and database connection, through the whole request handler.

Two creates of the same unique record give one success and one form error (400); two edits
of the same record under optimistic locking give one success and one 409. So that the two
requests really meet, each waits after its form was checked (both have found the code free,
or both started from the same version) until the other has too; then both write.

The technique, and the database the threads share, are in ``workbench_concurrency.py``."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from sejahtera.workbench.consultations.models import Consultation
from sejahtera.workbench.decisions.forms import ConsultationLinkForm
from sejahtera.workbench.decisions.models import ConsultationLink, Decision
from sejahtera.workbench.programmes.forms import BudgetForm, CycleForm, ProgrammeForm
from sejahtera.workbench.programmes.models import Budget, Cycle, Programme
from sejahtera.workbench.stakeholders.forms import OrganisationForm
from sejahtera.workbench.stakeholders.models import Organisation
from workbench_concurrency import client_of, database, status_of, together
from workbench_users import user_with

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures(database.__name__)]


PROGRAMME = {"code": "pangan", "name": "Bantuan Pangan", "status": "active"}


def test_two_programmes_with_the_same_code_at_once_give_one_and_a_form_error(monkeypatch) -> None:
    a, b = client_of("kepala"), client_of("officer")
    saved, refused = together(
        monkeypatch,
        ProgrammeForm,
        [
            lambda: a.post("/programmes/new/", PROGRAMME),
            lambda: b.post("/programmes/new/", PROGRAMME),
        ],
    )
    assert (saved.status_code, refused.status_code) == (302, 400)
    assert "Program dengan kode ini sudah ada: pilih kode lain." in refused.text
    assert Programme.objects.filter(code="pangan").count() == 1


def test_two_edits_of_one_programme_at_once_give_one_and_a_409(monkeypatch) -> None:
    Programme.objects.create(code="pangan", name="Bantuan Pangan")
    a, b = client_of("kepala"), client_of("officer")
    first = PROGRAMME | {"name": "Bantuan Pangan Daerah", "version": 1}
    second = PROGRAMME | {"name": "Sembako Daerah", "version": 1}
    statuses = status_of(
        together(
            monkeypatch,
            ProgrammeForm,
            [
                lambda: a.post("/programmes/pangan/edit/", first),
                lambda: b.post("/programmes/pangan/edit/", second),
            ],
        )
    )
    assert statuses == [302, 409]
    saved = Programme.objects.get(code="pangan")
    assert saved.version == 2 and saved.name in ("Bantuan Pangan Daerah", "Sembako Daerah")


def test_one_consultation_linked_twice_at_once_gives_one_link_and_a_form_error(monkeypatch) -> None:
    analyst = user_with("analyst")
    decision = Decision.objects.create(title="PKH", problem="x", period="2025", prepared_by=analyst)
    meeting = Consultation.objects.create(title="Rapat", kind="meeting", date=date(2025, 1, 10))
    a, b = Client(raise_request_exception=False), client_of("kepala")
    a.force_login(analyst)
    url = f"/decisions/{decision.pk}/consultations/new/"
    link = {"consultation": meeting.pk, "note": ""}
    statuses = status_of(
        together(
            monkeypatch,
            ConsultationLinkForm,
            [lambda: a.post(url, link), lambda: b.post(url, link)],
        )
    )
    assert statuses == [302, 400]
    assert ConsultationLink.objects.filter(decision=decision).count() == 1


def test_two_organisations_with_the_same_name_at_once_give_one_and_a_form_error(
    monkeypatch,
) -> None:
    a, b = client_of("kepala"), client_of("officer")
    yayasan = {"name": "Yayasan A", "kind": "ngo", "region": "", "notes": ""}
    saved, refused = together(
        monkeypatch,
        OrganisationForm,
        [
            lambda: a.post("/stakeholders/new/", yayasan),
            lambda: b.post("/stakeholders/new/", yayasan),
        ],
    )
    assert (saved.status_code, refused.status_code) == (302, 400)
    assert "Organisasi dengan nama ini sudah ada: pilih nama lain." in refused.text
    assert Organisation.objects.filter(name="Yayasan A").count() == 1


def test_two_budgets_for_one_year_and_source_at_once_give_one_and_a_form_error(monkeypatch) -> None:
    Programme.objects.create(code="pangan", name="Bantuan Pangan")
    a, b = client_of("kepala"), client_of("officer")
    budget = {"year": 2025, "source": "APBD", "amount_rp": 1_000_000_000}
    url = "/programmes/pangan/budgets/new/"
    saved, refused = together(
        monkeypatch, BudgetForm, [lambda: a.post(url, budget), lambda: b.post(url, budget)]
    )
    assert (saved.status_code, refused.status_code) == (302, 400)
    assert "Program ini sudah memiliki anggaran untuk tahun dan sumber itu." in refused.text
    assert Budget.objects.filter(programme__code="pangan").count() == 1


def test_two_cycles_of_one_name_at_once_give_one_and_a_form_error(monkeypatch) -> None:
    Programme.objects.create(code="pangan", name="Bantuan Pangan")
    a, b = client_of("kepala"), client_of("officer")
    year = str(timezone.localdate().year)
    cycle = {"name": f"{year} tahap 1", "declared": "pbi_jkn", "period": year}
    url = "/programmes/pangan/cycles/new/"
    saved, refused = together(
        monkeypatch, CycleForm, [lambda: a.post(url, cycle), lambda: b.post(url, cycle)]
    )
    assert (saved.status_code, refused.status_code) == (302, 400)
    assert "Program ini sudah memiliki siklus dengan nama itu." in refused.text
    assert Cycle.objects.filter(programme__code="pangan").count() == 1
