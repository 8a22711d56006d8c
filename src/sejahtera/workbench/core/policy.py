"""Who may do what: one table of actions and the roles allowed each, read by every page and by
the REST API.

A view names its action with :func:`requires`; a page shows a button only when :func:`allowed`
says so. Which *records* a role sees (a partner: its own organisation's) is decided, from the
``*.view_all`` actions here, by one helper per kind of record in the apps' ``access.py``.
``tests/test_workbench_policy.py`` walks every address of the workbench and checks each role
against this table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, Final

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import render

from sejahtera.workbench.core.roles import Role, role_of

KEPALA, ANALYST, OFFICER = Role.KEPALA, Role.ANALYST, Role.OFFICER
PARTNER, AUDITOR = Role.PARTNER, Role.AUDITOR
EVERYONE: Final = frozenset(Role)
STAFF: Final = EVERYONE - {PARTNER}  # the office itself, not a partner organisation

POLICY: Final[Mapping[str, frozenset[Role]]] = {
    "dashboard.view": EVERYONE,
    # One's own sign-in: the second factor (enrolment, backup codes). Administrators (is_staff)
    # without a role too: they enrol before /admin/ (requires(..., administrators=True)).
    "account.security": EVERYONE,
    "audit.view": frozenset({KEPALA, AUDITOR}),
    # Unmasked personal data (NIK, names, phones, addresses), one record at a time, audited.
    "personal_data.reveal": frozenset({KEPALA, OFFICER, AUDITOR}),
    # Everything held about one person (found by NIK or name and phone), JSON or XLSX,
    # audited: the roles that may reveal personal data.
    "personal_data.export": frozenset({KEPALA, OFFICER, AUDITOR}),
    # Statistics with their small cells (fewer than SEJAHTERA_MIN_CELL): the office's own
    # roles; a partner and an auditor, who see aggregates only, see such cells suppressed.
    "statistics.small_cells": frozenset({KEPALA, ANALYST, OFFICER}),
    # Programmes. A role without programme.view_all sees only its organisation's programmes.
    "programme.view": EVERYONE,
    "programme.view_all": STAFF,
    "programme.edit": frozenset({KEPALA, OFFICER}),  # programmes and their budgets
    # Cycles; generating or freezing a list and recording a payment are asked for here...
    "cycle.run": frozenset({KEPALA, OFFICER}),
    # ...and carried out only when another user approves (never one's own request).
    "cycle.decide": frozenset({KEPALA, OFFICER}),
    "change.propose": frozenset({ANALYST, OFFICER}),  # a change to a frozen list
    "change.decide": frozenset({KEPALA, OFFICER}),  # never one's own proposal
    # A beneficiary list as XLSX or CSV, masked like the page (never revealed), audited.
    "beneficiaries.export": STAFF,
    # The year's Renja/RKPD rows of the programmes in SIPD codes (XLSX, CSV): no personal data.
    "renja.export": STAFF,
    # Monitoring. Without actual.view_all: the approved actuals and one's own.
    "monev.view": EVERYONE,
    "monev.edit": frozenset({KEPALA, ANALYST, OFFICER}),  # results, indicators, targets
    "actual.view_all": STAFF,
    "actual.submit": frozenset({OFFICER, PARTNER}),
    "actual.correct_others": frozenset({OFFICER}),  # a partner corrects only its own
    "actual.verify": frozenset({ANALYST, OFFICER}),  # never one's own submission
    "actual.approve": frozenset({KEPALA}),
    "actual.reject": frozenset({KEPALA, ANALYST, OFFICER}),
    # Stakeholders and consultations. Without stakeholder.view_all: one's own organisation.
    "stakeholder.view": EVERYONE,
    "stakeholder.view_all": STAFF,
    "stakeholder.edit": frozenset({KEPALA, ANALYST, OFFICER}),
    "contact.edit": frozenset({KEPALA, OFFICER}),  # the form shows personal data
    "consultation.view": EVERYONE,
    "consultation.edit": frozenset({KEPALA, ANALYST, OFFICER}),
    # Grievances. Without grievance.view_sensitive only those not sensitive are seen.
    "grievance.view": EVERYONE,
    "grievance.view_sensitive": frozenset({KEPALA, OFFICER, AUDITOR}),
    "grievance.handle": frozenset({KEPALA, OFFICER}),  # intake, assignment, status, appeal
    # Background jobs (core/jobs.py): progress, result, failure. Without job.view_all: one's own.
    "job.view": EVERYONE,
    "job.view_all": STAFF,
    # Any job they see: the roles that start jobs (lists; imports, scenarios, evaluations).
    # Cancelling writes nothing and is audited.
    "job.cancel": frozenset({KEPALA, ANALYST, OFFICER}),
    # Datasets (the datasets app): versions, counts, mappings and validation reports; the
    # office's own work data, so not a partner's. Uploading makes a new version.
    "dataset.view": STAFF,
    "dataset.upload": frozenset({KEPALA, ANALYST}),
    # Scenario studio. Without scenario.view_all: the published scenarios' results only.
    "scenario.view": EVERYONE,
    "scenario.view_all": STAFF,
    "scenario.run": frozenset({KEPALA, ANALYST}),  # build, run, budget mode, explain a household
    "scenario.publish": frozenset({KEPALA}),  # results the partners may then read
    # Needs explorer: indicators by area and group from a dataset version (aggregates of the
    # office's working data, so not a partner's), with their exports.
    "needs.view": STAFF,
    # Evaluation page: designs run on a dataset or panel. Officers read the reports.
    "evaluation.view": STAFF,
    "evaluation.run": frozenset({KEPALA, ANALYST}),
    # Decision records: an analyst (or the head) prepares, the head decides (never a record
    # they prepared or submitted); a decided record becomes a draft programme (programme.edit).
    "decision.view": STAFF,
    "decision.prepare": frozenset({KEPALA, ANALYST}),
    "decision.decide": frozenset({KEPALA}),
    "decision.brief": frozenset({KEPALA, ANALYST, OFFICER}),  # builds a brief (a job)
    # Planning documents (RPKD chapter, LP2KD): the office reads and downloads them; the head,
    # analysts and officers make them (a job each). Not a partner's: they are the office's.
    "document.view": STAFF,
    "document.make": frozenset({KEPALA, ANALYST, OFFICER}),
}


def roles_for(action: str) -> frozenset[Role]:
    """The roles allowed ``action`` (a KeyError for an action the table does not know)."""
    return POLICY[action]


def allowed(user: User | AnonymousUser, action: str) -> bool:
    """Whether ``user`` holds a role that may do ``action``."""
    return role_of(user) in roles_for(action)


def requires(
    action: str, *, administrators: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A view for the roles allowed ``action``: an anonymous visitor is sent to sign in, an
    account without a role is told how to get one (with ``administrators``, an ``is_staff``
    account without a role is let through), and any other role gets 403. The view keeps the
    action as ``view.action``."""
    roles_for(action)  # an unknown action fails when the module loads, not on a request

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if role_of(request.user) is None and administrators and request.user.is_staff:
                return view(request, *args, **kwargs)
            if role_of(request.user) is None:
                context = {"roles": Role.choices}
                return render(request, "core/no_role.html", context, status=403)
            if not allowed(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        checked.action = action  # type: ignore[attr-defined]
        return checked

    return decorate
