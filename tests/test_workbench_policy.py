"""Every address of the workbench, for every role, answers as the policy table says.

The URL configuration is walked, so a new page cannot be added without saying here which
records it opens, and a page that forgets to check who may see it fails: each non-public view
must name its action (``core.policy.requires``), and each role must then get 403 exactly when
the table does not allow it that action. The REST API is checked the same way, path by path
from its OpenAPI schema."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from sejahtera.workbench.consultations.models import Consultation, FollowUp, Input, Participant
from sejahtera.workbench.core.models import Job
from sejahtera.workbench.core.policy import POLICY, allowed, roles_for
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.core.tokens import issue
from sejahtera.workbench.decisions.models import (
    ConsultationLink,
    Criterion,
    Decision,
    Option,
    StakeholderPosition,
)
from sejahtera.workbench.evaluations.models import Evaluation
from sejahtera.workbench.grievances.models import Grievance
from sejahtera.workbench.monev.models import Actual, Indicator, ResultNode, Target
from sejahtera.workbench.programmes.models import ChangeRequest, Cycle, CycleRequest, CycleStatus
from sejahtera.workbench.scenarios.models import Scenario
from sejahtera.workbench.stakeholders.models import Contact, Engagement
from workbench_datasets import registered, uploaded
from workbench_users import new_programme, organisation_named, signed_in, user_with

pytestmark = pytest.mark.django_db
PARTNER = "Yayasan A"

# Pages anyone may open, signed in or not.
PUBLIC = {
    "core:home",
    "core:login",
    "core:logout",
    "core:profile",
    "core:profile_file",
    "grievances:new",
    "grievances:submitted",
    "grievances:track",
    "set_language",
}

# The records each address opens: all of them the partner's, so that only the role decides.
ARGUMENTS: dict[str, Callable[[SimpleNamespace], dict[str, object]]] = {
    "core:job": lambda w: {"pk": w.job.pk},
    "core:job_json": lambda w: {"pk": w.job.pk},
    "core:job_cancel": lambda w: {"pk": w.job.pk},
    "datasets:dataset": lambda w: {"pk": w.version.dataset.pk},
    "datasets:version": lambda w: {"pk": w.version.pk},
    "datasets:version_reveal": lambda w: {"pk": w.version.pk},
    "datasets:version_report": lambda w: {"pk": w.version.pk},
    "datasets:upload_detail": lambda w: {"pk": w.upload.pk},
    "datasets:upload_report": lambda w: {"pk": w.upload.pk},
    "datasets:upload_problems_reveal": lambda w: {"pk": w.upload.pk},
    "grievances:detail": lambda w: {"pk": w.grievance.pk},
    "grievances:reveal": lambda w: {"pk": w.grievance.pk},
    "grievances:assign": lambda w: {"pk": w.grievance.pk},
    "grievances:status": lambda w: {"pk": w.grievance.pk},
    "grievances:appeal": lambda w: {"pk": w.grievance.pk},
    "grievances:propose": lambda w: {"pk": w.grievance.pk},
    "programmes:programme_edit": lambda w: {"code": w.programme.code},
    "programmes:budget_create": lambda w: {"code": w.programme.code},
    "programmes:programme": lambda w: {"code": w.programme.code},
    "programmes:cycle_create": lambda w: {"code": w.programme.code},
    "programmes:cycle": lambda w: {"pk": w.cycle.pk},
    "programmes:cycle_reveal": lambda w: {"pk": w.cycle.pk},
    "programmes:cycle_generate": lambda w: {"pk": w.cycle.pk},
    "programmes:cycle_freeze": lambda w: {"pk": w.cycle.pk},
    "programmes:cycle_export": lambda w: {"pk": w.cycle.pk},
    "programmes:export_download": lambda w: {"pk": w.export.pk},
    "programmes:change_create": lambda w: {"pk": w.cycle.pk},
    "programmes:payment_create": lambda w: {"pk": w.cycle.pk},
    "programmes:change_decide": lambda w: {"pk": w.change.pk},
    "programmes:request_decide": lambda w: {"pk": w.cycle_request.pk},
    "stakeholders:organisation": lambda w: {"pk": w.organisation.pk},
    "stakeholders:organisation_edit": lambda w: {"pk": w.organisation.pk},
    "stakeholders:contact_create": lambda w: {"pk": w.organisation.pk},
    "stakeholders:contact": lambda w: {"pk": w.contact.pk},
    "stakeholders:contact_reveal": lambda w: {"pk": w.contact.pk},
    "stakeholders:contact_edit": lambda w: {"pk": w.contact.pk},
    "stakeholders:programme": lambda w: {"code": w.programme.code},
    "stakeholders:engagement_create": lambda w: {"code": w.programme.code},
    "stakeholders:engagement_edit": lambda w: {"pk": w.engagement.pk},
    "stakeholders:engagement_delete": lambda w: {"pk": w.engagement.pk},
    "consultations:detail": lambda w: {"pk": w.consultation.pk},
    "consultations:reveal": lambda w: {"pk": w.consultation.pk},
    "consultations:edit": lambda w: {"pk": w.consultation.pk},
    "consultations:participant_create": lambda w: {"pk": w.consultation.pk},
    "consultations:participant_delete": lambda w: {"pk": w.participant.pk},
    "consultations:input_create": lambda w: {"pk": w.consultation.pk},
    "consultations:response_create": lambda w: {"pk": w.input.pk},
    "consultations:follow_up_create": lambda w: {"pk": w.consultation.pk},
    "consultations:follow_up_edit": lambda w: {"pk": w.follow_up.pk},
    "consultations:follow_up_done": lambda w: {"pk": w.follow_up.pk},
    "monev:framework": lambda w: {"code": w.programme.code},
    "monev:dashboard": lambda w: {"code": w.programme.code},
    "monev:result_create": lambda w: {"code": w.programme.code},
    "monev:result_edit": lambda w: {"pk": w.result.pk},
    "monev:indicator_create": lambda w: {"pk": w.result.pk},
    "monev:indicator": lambda w: {"pk": w.indicator.pk},
    "monev:indicator_edit": lambda w: {"pk": w.indicator.pk},
    "monev:target_create": lambda w: {"pk": w.indicator.pk},
    "monev:target_edit": lambda w: {"pk": w.target.pk},
    "monev:actual_create": lambda w: {"pk": w.indicator.pk},
    "monev:actual_edit": lambda w: {"pk": w.actual.pk},
    "monev:actual_verify": lambda w: {"pk": w.actual.pk},
    "monev:actual_approve": lambda w: {"pk": w.actual.pk},
    "monev:actual_reject": lambda w: {"pk": w.actual.pk},
    "scenarios:detail": lambda w: {"pk": w.scenario.pk},
    "scenarios:edit": lambda w: {"pk": w.scenario.pk},
    "scenarios:run": lambda w: {"pk": w.scenario.pk},
    "scenarios:publish": lambda w: {"pk": w.scenario.pk},
    "scenarios:reform": lambda w: {"pk": w.scenario.pk},
    "scenarios:explain": lambda w: {"pk": w.scenario.pk},
    "scenarios:explain_result": lambda w: {"pk": w.scenario.pk, "job": w.explained.pk},
    "scenarios:budget_result": lambda w: {"pk": w.budget.pk},
    "evaluations:detail": lambda w: {"pk": w.evaluation.pk},
    "evaluations:download": lambda w: {"pk": w.evaluation.pk, "kind": "csv"},
    **{
        f"decisions:{name}": lambda w: {"pk": w.decision.pk}
        for name in (
            "detail",
            "edit",
            "submit",
            "decide",
            "return",
            "amend",
            "programme",
            "brief",
            "option_scenario",
            "option_other",
            "criterion_create",
            "scores",
            "position_create",
            "consultation_link",
        )
    },
    "decisions:brief_download": lambda w: {"pk": w.brief.pk},
    "decisions:option_delete": lambda w: {"pk": w.decision.options.get().pk},
    "decisions:criterion_edit": lambda w: {"pk": w.decision.criteria.get().pk},
    "decisions:criterion_delete": lambda w: {"pk": w.decision.criteria.get().pk},
    "decisions:position_delete": lambda w: {"pk": w.decision.positions.get().pk},
    "decisions:consultation_unlink": lambda w: {"pk": w.decision.consultations.get().pk},
    "documents:download": lambda w: {"pk": w.document.pk},
}

# The REST API: each path and the action it needs.
API = {
    "/api/programmes": "programme.view",
    "/api/grievances": "grievance.view",
    "/api/grievances/{code}": "grievance.view",
    "/api/indicators": "monev.view",
    "/api/datasets": "dataset.view",
    "/api/jobs/{job_id}": "job.view",
    "/api/needs/{version_id}": "needs.view",
    "/api/scenarios": "scenario.view",
    "/api/evaluations": "evaluation.view",
    "/api/evaluations/{evaluation_id}": "evaluation.view",
    "/api/evaluations/tables": "evaluation.view",
    "/api/decisions": "decision.view",
    "/api/decisions/{decision_id}": "decision.view",
}


def patterns(
    resolver: URLResolver, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, Callable[..., object]]]:
    """(name with its namespace, route, view) of every named page of the workbench's own apps;
    the REST API (checked below) and Django's admin are left out."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in ("api", "admin"):
                continue
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from patterns(entry, prefix + str(entry.pattern), inner.lstrip(":"))
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, prefix + str(entry.pattern), entry.callback


PAGES = sorted((name, view) for name, _, view in patterns(get_resolver()))
GUARDED = [(name, view) for name, view in PAGES if name not in PUBLIC]


@pytest.fixture
def world(settings, tmp_path) -> SimpleNamespace:
    """One record of each kind, all on the partner organisation's programme, and a user for
    each role (the partner's actual is its own, so that it may correct it)."""
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATASET = None
    settings.DATASETS_ROOT = tmp_path / "datasets"
    users = {role: user_with(role, PARTNER if role == Role.PARTNER else "") for role in Role}
    food = new_programme("pangan", "Bantuan Pangan", (PARTNER,))
    organisation = organisation_named(PARTNER)
    cycle = Cycle.objects.create(
        programme=food,
        name="2025 tahap 1",
        period="2025-01",
        benefit="sembako",
        status=CycleStatus.FROZEN,
    )
    consultation = Consultation.objects.create(
        title="Rapat", kind="meeting", date=date(2025, 1, 10), programme=food
    )
    participant = Participant.objects.create(
        consultation=consultation, name="Siti Aminah", organisation=organisation
    )
    result = ResultNode.objects.create(programme=food, level="impact", statement="Turun")
    indicator = Indicator.objects.create(
        result=result, code="P-1", name="Pangan", definition="FCS", unit="%",
        baseline_value=Decimal("60"), baseline_year=2024,
    )  # fmt: skip
    version = registered()
    decision = Decision.objects.create(
        title="PKH", problem="x", period="2025", dataset=version, prepared_by=users[Role.ANALYST]
    )
    Option.objects.create(decision=decision, kind="other", title="Verval desa")
    Criterion.objects.create(decision=decision, name="Biaya", source="judged", weight=1)
    StakeholderPosition.objects.create(
        decision=decision, organisation=organisation, position="supports"
    )
    ConsultationLink.objects.create(decision=decision, consultation=consultation)
    # Published, so that a partner may open it; its run not finished, so that running it again
    # is refused at once.
    scenario = Scenario.objects.create(
        name="PKH desil 5",
        dataset=version,
        changes={"pkh.max_desil": 5},
        published=True,
        job=Job.objects.create(kind="scenario.run", title="x", owner=users[Role.KEPALA]),
    )
    return SimpleNamespace(
        users=users,
        version=version,
        scenario=scenario,
        decision=decision,
        brief=Job.objects.create(  # finished, its file gone: 410 for those who may download
            kind="decision.brief",
            title="x",
            owner=users[Role.KEPALA],
            state="done",
            result={
                "decision": decision.pk,
                "file": "gone.docx",
                "format": "docx",
                "language": "id",
            },
        ),
        document=Job.objects.create(  # a made document whose file is gone: 410
            kind="documents.rpkd",
            title="x",
            owner=users[Role.KEPALA],
            state="done",
            result={"file": "gone.docx", "format": "docx", "kind": "rpkd"},
        ),
        evaluation=Evaluation.objects.create(  # with a result, so that it can be downloaded
            title="PKH",
            design="did",
            dataset=version,
            variables={"outcome": "consumption_pc"},
            state="done",
            result={"estimates": [{"term": "did", "estimate": 1.0}]},
            estimates=[{"check": "main", "term": "did", "estimate": 1.0}],
        ),
        explained=Job.objects.create(
            kind="scenario.explain",
            title="x",
            owner=users[Role.KEPALA],
            object_type="Scenario",
            object_id=str(scenario.pk),
        ),
        budget=Job.objects.create(kind="scenario.budget", title="x", owner=users[Role.KEPALA]),
        upload=uploaded(users[Role.ANALYST], households=("rt.csv", b"ID,UMUR\nK1,40\n")),
        job=Job.objects.create(kind="cycle.generate", title="x", owner=users[Role.PARTNER]),
        export=Job.objects.create(
            kind="beneficiaries.export",
            title="x",
            owner=users[Role.KEPALA],
            state="done",
            result={"cycle": cycle.pk, "rows": 0, "format": "xlsx", "file": "removed.xlsx"},
        ),
        programme=food,
        organisation=organisation,
        cycle=cycle,
        change=ChangeRequest.objects.create(
            cycle=cycle,
            kind="remove",
            household_id="h1",
            reason="pindah",
            maker=user_with(Role.ANALYST),
        ),
        cycle_request=CycleRequest.objects.create(  # asked by someone else: any checker decides
            cycle=cycle, kind="freeze", cycle_version=cycle.version, maker=user_with(Role.OFFICER)
        ),
        contact=Contact.objects.create(organisation=organisation, name="Yusuf Hidayat"),
        engagement=Engagement.objects.create(
            organisation=organisation,
            programme=food,
            role="responsible",
            influence=3,
            interest=4,
        ),
        consultation=consultation,
        participant=participant,
        input=Input.objects.create(consultation=consultation, participant=participant, text="x"),
        follow_up=FollowUp.objects.create(
            consultation=consultation, action="Kirim data", due_date=date(2025, 2, 1)
        ),
        grievance=Grievance.objects.create(
            channel="web", category="payment", description="Belum cair.", programme=food
        ),
        result=result,
        indicator=indicator,
        target=Target.objects.create(indicator=indicator, period="2025", value=Decimal("70")),
        actual=Actual.objects.create(
            indicator=indicator,
            period="2025",
            value=Decimal("65"),
            source="Survei",
            submitted_by=users[Role.PARTNER],
        ),
    )


def address(name: str, route: str, w: SimpleNamespace) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=ARGUMENTS[name](w) if "<" in route else None)


def answer(client: Client, path: str):
    """A GET, or an empty POST where GET is not allowed; whatever it changes is undone."""
    with transaction.atomic():
        response = client.get(path)
        if response.status_code == 405:
            response = client.post(path)
        transaction.set_rollback(True)
    return response


def test_every_page_is_public_or_names_its_action() -> None:
    unchecked = [name for name, view in GUARDED if getattr(view, "action", None) not in POLICY]
    assert unchecked == [], "decorate these views with core.policy.requires(ACTION)"
    assert {name for name, _ in PAGES} >= PUBLIC, "a public page listed here no longer exists"


def test_every_page_with_arguments_is_in_the_table() -> None:
    routes = {name: route for name, route, _ in patterns(get_resolver())}
    missing = [n for n, r in routes.items() if "<" in r and n not in PUBLIC and n not in ARGUMENTS]
    assert missing == [], "say in ARGUMENTS which records these pages open"
    assert set(ARGUMENTS) <= set(routes), "ARGUMENTS names a page that no longer exists"


@pytest.mark.parametrize(("name", "view"), GUARDED, ids=[name for name, _ in GUARDED])
def test_each_role_gets_what_the_policy_table_says(world, name: str, view) -> None:
    routes = {n: route for n, route, _ in patterns(get_resolver())}
    path = address(name, routes[name], world)
    action = view.action
    for role, user in world.users.items():
        status = answer(signed_in(user=user), path).status_code
        if allowed(user, action):
            assert status not in (403, 404), (role, action, status)
        else:
            assert status == 403, (role, action, status)
    anonymous = answer(Client(), path)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/?next=")
    assert answer(signed_in(None), path).status_code == 403


def test_the_table_names_only_roles_and_the_head_may_do_what_the_office_does() -> None:
    for action, roles in POLICY.items():
        assert roles and roles <= set(Role), action
    assert roles_for("audit.view") == {Role.KEPALA, Role.AUDITOR}
    assert Role.PARTNER not in roles_for("programme.view_all")


def test_each_api_path_answers_each_role_as_the_policy_table_says(world) -> None:
    schema = Client().get("/api/openapi.json").json()
    assert set(schema["paths"]) == set(API), "say in API which action each path needs"
    for role, user in world.users.items():
        token = issue(user)
        for path, action in API.items():
            url = path.replace("{code}", world.grievance.code)
            url = url.replace("{job_id}", str(world.job.pk))
            url = url.replace("{version_id}", str(world.version.pk))
            url = url.replace("{evaluation_id}", str(world.evaluation.pk))
            url = url.replace("{decision_id}", str(world.decision.pk))
            status = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code
            assert status == (200 if allowed(user, action) else 403), (role, path, status)
