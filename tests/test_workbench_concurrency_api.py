"""Concurrent writes that no form checks: the LAPOR! import and the public form's tracking code
(unique constraints written outside a ModelForm), the maker-checker steps (a cycle request, a
change request, a decision record) and the REST API's writes, each done twice at the same
moment through the whole request handler (the technique is in ``workbench_concurrency.py``).

Never a 500: one wins, the other gets a clear refusal (409, or the import's problem list) and
nothing of it is stored; the audit log has one event for the step."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sejahtera.workbench.audit.models import AuditEvent
from sejahtera.workbench.core.tokens import issue
from sejahtera.workbench.decisions import services
from sejahtera.workbench.decisions.models import Decision, DecisionStatus, Option, OptionKind
from sejahtera.workbench.evaluations.models import EvaluationInput
from sejahtera.workbench.grievances import lapor
from sejahtera.workbench.grievances import models as grievance_models
from sejahtera.workbench.grievances.models import Grievance
from sejahtera.workbench.programmes import access, approvals
from sejahtera.workbench.programmes.models import (
    Beneficiary,
    ChangeRequest,
    Cycle,
    CycleRequest,
    CycleStatus,
    Payment,
    Programme,
)
from workbench_concurrency import client_of, database, status_of, together
from workbench_users import user_with

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures(database.__name__)]


def events(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# Unique constraints no form checks ----------------------------------------------------------------

HEADER = ["ID Tracking", "Tanggal Laporan", "Kategori", "Isi Laporan"]


def lapor_file(*ids: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADER)
    writer.writerows([f"#{id_}", "2025-03-14", "Bantuan Sosial", f"Laporan {id_}"] for id_ in ids)
    return out.getvalue().encode("utf-8")


def test_two_lapor_imports_of_one_report_at_once_store_one_file_and_refuse_the_other(
    monkeypatch,
) -> None:
    a, b = client_of("officer"), client_of("kepala")
    url = "/grievances/lapor/import/"
    first, second = lapor_file("2000001", "2000002"), lapor_file("2000003", "2000001")

    def sent(client: Client, content: bytes):
        return lambda: client.post(url, {"file": SimpleUploadedFile("lapor.csv", content)})

    saved, refused = together(
        monkeypatch, lapor, [sent(a, first), sent(b, second)], "store", before=True
    )
    assert (saved.status_code, refused.status_code) == (302, 400)
    assert "Laporan LAPOR! #2000001 sudah ada di workbench" in refused.text
    stored = set(Grievance.objects.values_list("lapor_id", flat=True))
    assert stored in ({"2000001", "2000002"}, {"2000003", "2000001"})  # one whole file
    assert events("lapor_imported") == 1 and events("grievance_created") == 2


def test_two_public_grievances_drawing_one_code_at_once_both_get_a_code(monkeypatch) -> None:
    drawn = grievance_models.new_code
    first_draws: set[int] = set()

    def same_code_first() -> str:  # each request's first code is the other's, too
        import threading

        if threading.get_ident() in first_draws:
            return drawn()
        first_draws.add(threading.get_ident())
        return "AAAAAAAAAA"

    monkeypatch.setattr(grievance_models, "new_code", same_code_first)
    complaint = {"category": "service", "description": "Antrean sangat panjang di kantor pos."}
    a, b = Client(raise_request_exception=False), Client(raise_request_exception=False)
    statuses = status_of(
        together(
            monkeypatch,
            grievance_models,
            [
                lambda: a.post("/grievances/new/", complaint),
                lambda: b.post("/grievances/new/", complaint),
            ],
            "new_code",
            before=True,
            locked=True,
        )
    )
    assert statuses == [302, 302]
    codes = list(Grievance.objects.values_list("code", flat=True))
    assert len(codes) == 2 and len(set(codes)) == 2 and "AAAAAAAAAA" in codes
    assert events("grievance_created") == 2


# Maker-checker steps --------------------------------------------------------------------------


def frozen_cycle() -> Cycle:
    programme = Programme.objects.create(code="pangan", name="Bantuan Pangan")
    cycle = Cycle.objects.create(
        programme=programme, name="2025 tahap 1", period="2025", benefit="sembako",
        status=CycleStatus.FROZEN,
    )  # fmt: skip
    for household in ("H1", "H2"):
        Beneficiary.objects.create(
            cycle=cycle, household_id=household, region_code="34.04", amount_rp=Decimal(200_000)
        )
    return cycle


@pytest.mark.parametrize("second", ["approve", "reject"])
def test_two_checkers_deciding_one_payment_request_at_once_one_wins(monkeypatch, second) -> None:
    cycle = frozen_cycle()
    detail = {"region_code": "34.04", "planned_rp": "400000", "paid_rp": "400000",
              "households": 2, "paid_on": "2025-01-20", "channel": "bank", "note": ""}  # fmt: skip
    made = CycleRequest.objects.create(
        cycle=cycle, kind="payment", detail=detail, cycle_version=cycle.version,
        maker=user_with("officer"),
    )  # fmt: skip
    url = f"/programmes/requests/{made.pk}/decide/"
    a, b = client_of("kepala"), client_of("officer")
    statuses = status_of(
        together(
            monkeypatch,
            approvals,
            [
                lambda: a.post(url, {"decision": "approve", "version": made.version}),
                lambda: b.post(url, {"decision": second, "version": made.version}),
            ],
            "decide",
            before=True,
        )
    )
    assert statuses == [302, 409]
    decided = CycleRequest.objects.get()
    assert decided.status in ("approved", "rejected") and decided.version == made.version + 1
    assert events("cycle_request_approved") + events("cycle_request_rejected") == 1
    assert Payment.objects.count() == events("payment_recorded") == events("cycle_request_approved")


def test_two_checkers_approving_one_change_request_at_once_one_wins(monkeypatch) -> None:
    cycle = frozen_cycle()
    change = ChangeRequest.objects.create(
        cycle=cycle, kind="remove", household_id="H1", region_code="34.04",
        reason="Pindah domisili", maker=user_with("officer"),
    )  # fmt: skip
    url = f"/programmes/changes/{change.pk}/decide/"
    a, b = client_of("kepala"), client_of("officer")
    answer = {"decision": "approve", "version": change.version}
    statuses = status_of(
        together(
            monkeypatch,
            access,
            [lambda: a.post(url, answer), lambda: b.post(url, answer)],
            "load_change",
            locked=True,
        )
    )
    assert statuses == [302, 409]
    assert ChangeRequest.objects.get().status == "approved" and events("change_approved") == 1
    assert list(Beneficiary.objects.values_list("household_id", flat=True)) == ["H2"]


def test_two_heads_deciding_one_record_at_once_one_wins(monkeypatch) -> None:
    analyst = user_with("analyst")
    decision = Decision.objects.create(
        title="PKH", problem="x", period="2025", prepared_by=analyst, submitted_by=analyst,
        status=DecisionStatus.SUBMITTED,
    )  # fmt: skip
    options = [
        Option.objects.create(decision=decision, kind=kind, title=title, order=order)
        for order, (kind, title) in enumerate(
            [(OptionKind.STATUS_QUO, "Tetap"), (OptionKind.OTHER, "Perluas PKH")]
        )
    ]
    url = f"/decisions/{decision.pk}/decide/"
    a, b = client_of("kepala"), client_of("kepala")

    def choose(client: Client, option: Option):
        answer = {"version": decision.version, "option": option.pk, "rationale": "Anggaran cukup."}
        return lambda: client.post(url, answer)

    statuses = status_of(
        together(
            monkeypatch,
            services,
            [choose(a, options[0]), choose(b, options[1])],
            "decide",
            before=True,
        )
    )
    assert statuses == [302, 409]
    decided = Decision.objects.get()
    assert decided.status == DecisionStatus.DECIDED and decided.version == decision.version + 1
    assert events("decision_decided") == 1
    chosen = AuditEvent.objects.get(action="decision_decided").detail["option"]
    assert decided.chosen_id == chosen


# The REST API -----------------------------------------------------------------------------------


def test_two_uploads_of_one_table_at_once_through_the_api_keep_both(monkeypatch) -> None:
    from sejahtera.workbench.evaluations import api as evaluations_api

    content = b"household,income,treated\n1,100,1\n2,200,0\n3,150,1\n"
    headers = [{"HTTP_AUTHORIZATION": f"Bearer {issue(user_with('analyst'))}"} for _ in "ab"]
    client = Client(raise_request_exception=False)

    def upload(header: dict[str, str]):
        file = SimpleUploadedFile("survei.csv", content, "text/csv")
        return lambda: client.post("/api/evaluations/tables", {"file": file}, **header)

    statuses = status_of(
        together(
            monkeypatch,
            evaluations_api,
            [upload(header) for header in headers],
            "keep",
            before=True,
        )
    )
    assert statuses == [201, 201]
    kept = EvaluationInput.objects.all()
    assert len(kept) == 2 and len({table.stored for table in kept}) == 2
    assert events("evaluation_table_uploaded") == 2
