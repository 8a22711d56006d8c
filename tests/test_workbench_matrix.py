"""The authorisation matrix: every address of the URL configuration × every role (and the
anonymous visitor, and an account without a role) × every method, generated, so that a new view
is covered the day it is added.

The GET of every page for every role is tests/test_workbench_policy.py's (403 exactly where the
policy table says); here the other methods: HEAD, PUT, DELETE (and GET where the view takes only
POST), which a view that does not accept them answers with 405, and an empty POST, which never
gives a 5xx. A role the table does
not allow gets 403 (an anonymous visitor is sent to sign in) or 405 before its request is looked
at; an allowed role gets 405 exactly for the methods its view does not accept. Which methods a
view accepts is read from its ``require_http_methods`` decorator (``require_GET``,
``require_POST``), which every view must have. One world of records serves the whole walk: each
request runs in a transaction that is rolled back. A method a view refuses is tried by the
anonymous visitor, the account without a role, one role allowed and one not; the empty POST by
every role.

The REST API is checked the same way from its OpenAPI schema, with a token for each role: a GET
without or with garbage parameters and a POST with an empty or a garbage JSON body give no 5xx,
and each answer is one the schema lists for the operation, or 401, 403, 404, 405 or 422."""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.test import Client
from django.urls import get_resolver, reverse

from sejahtera.workbench.core.policy import allowed
from sejahtera.workbench.core.tokens import issue
from test_workbench_policy import ARGUMENTS, PUBLIC, address, patterns, world
from workbench_users import user_with

pytestmark = pytest.mark.django_db
__all__ = ["world"]  # the policy test's fixture: one record of each kind, a user per role

ROUTES = sorted(patterns(get_resolver()))
METHODS = ("HEAD", "POST", "PUT", "DELETE")
# Django's own view that accepts any method (it redirects back); every other view says which.
ANY_METHOD = {"set_language"}
# The public pages with arguments (the needs profile's files, absent here: 404).
PUBLIC_ARGUMENTS = {
    "core:profile": {"language": "id"},
    "core:profile_file": {"language": "id", "name": "areas.csv"},
}


def accepted(view: Callable[..., object]) -> tuple[str, ...] | None:
    """The methods ``view`` accepts, from the list its ``require_http_methods`` decorator keeps
    (found through the ``__wrapped__`` chain of the decorators above it); None without one."""
    current: Callable[..., object] | None = view
    while current is not None:
        for cell in getattr(current, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:
                continue
            if isinstance(value, list) and value and all(m in HTTP for m in value):
                return tuple(value)
        current = getattr(current, "__wrapped__", None)
    return None


HTTP = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def test_every_view_says_which_methods_it_accepts_and_has_its_records() -> None:
    unsaid = [name for name, _, view in ROUTES if accepted(view) is None]
    assert set(unsaid) == ANY_METHOD, "decorate these views with require_http_methods([...])"
    missing = [n for n, r, _ in ROUTES if "<" in r and n not in PUBLIC and n not in ARGUMENTS]
    assert missing == [], "say in test_workbench_policy.ARGUMENTS which records these open"


def send(client: Client, method: str, path: str) -> int:
    """The status of ``method`` on ``path`` (a POST with an empty form); whatever the request
    changes is undone (a sign-out too: the client keeps its session cookie), and an exception
    in the view counts as the 500 it would be."""
    cookies = SimpleCookie(client.cookies)
    with transaction.atomic():
        response = client.generic(method, path)
        transaction.set_rollback(True)
    client.cookies = cookies
    return response.status_code


def wrong(status: int, method: str, methods: tuple[str, ...] | None, who: str, may: bool) -> bool:
    if status >= 500:
        return True
    takes = methods is None or method in methods
    if may:
        return status == 405 if takes else status != 405
    refusal = 302 if who == "anonymous" else 403
    return status not in ((refusal,) if takes else (refusal, 405))


def test_every_address_role_and_method_answers_as_the_matrix_says(world) -> None:
    """No 5xx ever; 405 for a method the view does not accept; 403 (anonymous: 302 to sign
    in) for a role the policy table does not allow."""
    people: dict[str, Client] = {"anonymous": Client(raise_request_exception=False)}
    no_role = Client(raise_request_exception=False)
    no_role.force_login(user_with(None))
    people["no role"] = no_role
    for role, user in world.users.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        client.user = user  # type: ignore[attr-defined]
        people[str(role)] = client
    failures = []
    for name, route, view in ROUTES:
        path = reverse(name, kwargs=PUBLIC_ARGUMENTS[name]) if name in PUBLIC_ARGUMENTS else None
        path = path or address(name, route, world)
        methods = accepted(view)
        action = getattr(view, "action", None)
        tried: set[tuple[str, bool]] = set()  # a refused method: one role allowed, one not
        for who, client in people.items():
            user = getattr(client, "user", None)
            may = name in PUBLIC or (user is not None and allowed(user, action))
            for method in METHODS if methods is None or "GET" in methods else ("GET", *METHODS):
                takes = methods is None or method in methods
                if not takes and user is not None and (method, may) in tried:
                    continue
                if user is not None:
                    tried.add((method, may))
                status = send(client, method, path)
                if wrong(status, method, methods, who, may):
                    failures.append((name, who, method, status, methods))
    assert failures == [], failures


# The REST API ------------------------------------------------------------------------------

GARBAGE = {"limit": "-1x", "offset": "\x00", "page": "9" * 40, "q": "'\"<>", "status": "?"}
OTHER_ANSWERS = {401, 403, 404, 405, 422}


def api_path(template: str, w: SimpleNamespace) -> str:
    for key, value in {
        "{code}": w.grievance.code,
        "{job_id}": w.job.pk,
        "{version_id}": w.version.pk,
        "{evaluation_id}": w.evaluation.pk,
        "{decision_id}": w.decision.pk,
    }.items():
        template = template.replace(key, str(value))
    return template


def test_every_api_operation_answers_garbage_from_every_role_as_its_schema_says(world) -> None:
    schema = Client().get("/api/openapi.json").json()
    tokens = {"none": None, "garbage": "not-a-token"} | {
        str(role): issue(user) for role, user in world.users.items()
    }
    failures = []
    for template, operations in schema["paths"].items():
        path = api_path(template, world)
        listed = {m.upper(): {int(s) for s in op["responses"]} for m, op in operations.items()}
        for who, token in tokens.items():
            headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
            client = Client(raise_request_exception=False, **headers)
            for method, where, body, kind in (
                ("GET", path, None, None),
                ("GET", path, GARBAGE, None),
                ("GET", path + "x/../%00", None, None),
                ("POST", path, "", "application/json"),
                ("POST", path, "{]", "application/json"),
                ("POST", path, "[1, {}]", "application/json"),
                ("POST", path, {"file": "x"}, None),
            ):
                with transaction.atomic():
                    if method == "GET":
                        status = client.get(where, body).status_code
                    elif kind:
                        status = client.post(where, body, content_type=kind).status_code
                    else:
                        status = client.post(where, body).status_code
                    transaction.set_rollback(True)
                fits = status in listed.get(method, set()) or status in OTHER_ANSWERS
                if status >= 500 or not fits:
                    failures.append((template, who, method, status, sorted(listed.get(method, ()))))
    assert failures == [], failures
