"""Concurrent writes never give a 500: two requests at the same moment, each in its own thread
with its own client and database connection, through the whole request handler.

Two creates of the same unique record give one success and one form error (400); two edits
of the same record under optimistic locking give one success and one 409. So that the two
requests really meet, each waits after its form was checked (both have found the code free,
or both started from the same version) until the other has too; then both write.

SQLite, the default, runs on a file with the workbench's own options (WAL, ``BEGIN
IMMEDIATE``, a timeout): the test database in memory refuses a second writer at once instead
of letting it wait. On PostgreSQL (``make test`` runs this file again with ``DATABASE_URL``)
the test database itself."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.forms import BaseModelForm
from django.test import Client
from django.utils import timezone

from sejahtera.workbench.consultations.models import Consultation
from sejahtera.workbench.decisions.forms import ConsultationLinkForm
from sejahtera.workbench.decisions.models import ConsultationLink, Decision
from sejahtera.workbench.programmes.forms import BudgetForm, CycleForm, ProgrammeForm
from sejahtera.workbench.programmes.models import Budget, Cycle, Programme
from sejahtera.workbench.stakeholders.forms import OrganisationForm
from sejahtera.workbench.stakeholders.models import Organisation
from workbench_users import user_with

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 30  # seconds a request waits for the other before the test gives up


@pytest.fixture
def database(tmp_path: Path, settings) -> Iterator[None]:
    """The workbench's database as it runs: on SQLite, the test database copied to a file that
    every thread's connection opens (and back to the one in memory after)."""
    settings.ALLOWED_HOSTS = ["testserver"]
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    file = tmp_path / "workbench.sqlite3"
    copy = sqlite3.connect(file)
    connection.connection.backup(copy)
    copy.close()
    memory, in_memory = connections["default"], connections.settings["default"]
    connections.settings["default"] = {**in_memory, "NAME": str(file)}
    connections["default"] = connections.create_connection("default")
    try:
        yield
    finally:
        connections["default"].close()
        connections["default"] = memory  # a database in memory lives as long as its connection
        connections.settings["default"] = in_memory


def together(
    monkeypatch: pytest.MonkeyPatch, form: type[BaseModelForm], requests: list[Callable[[], Any]]
) -> list[Any]:
    """The answers to ``requests`` run at once, each in its own thread, by status; each waits
    after its ``form`` was checked until every other one has been checked too."""
    met = threading.Barrier(len(requests), timeout=WAIT)
    checked = form.validate_unique

    def validate_then_wait(self: BaseModelForm) -> None:
        checked(self)
        met.wait()

    monkeypatch.setattr(form, "validate_unique", validate_then_wait)
    answers: list[Any] = []
    failures: list[BaseException] = []

    def run(request: Callable[[], Any]) -> None:
        try:
            answers.append(request())
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)
            met.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(request,)) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 2)
    assert failures == []
    return sorted(answers, key=lambda answer: answer.status_code)


def status_of(answers: list[Any]) -> list[int]:
    return [answer.status_code for answer in answers]


def client_of(role: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user_with(role))
    return client


PROGRAMME = {"code": "pangan", "name": "Bantuan Pangan", "status": "active"}


def test_two_programmes_with_the_same_code_at_once_give_one_and_a_form_error(
    database, monkeypatch
) -> None:
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


def test_two_edits_of_one_programme_at_once_give_one_and_a_409(database, monkeypatch) -> None:
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


def test_one_consultation_linked_twice_at_once_gives_one_link_and_a_form_error(
    database, monkeypatch
) -> None:
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
    database, monkeypatch
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


def test_two_budgets_for_one_year_and_source_at_once_give_one_and_a_form_error(
    database, monkeypatch
) -> None:
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


def test_two_cycles_of_one_name_at_once_give_one_and_a_form_error(database, monkeypatch) -> None:
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
