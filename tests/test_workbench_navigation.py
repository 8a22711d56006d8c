"""The header's sections (core/navigation.py): the ones a role may open, in the list's order,
the current one marked, and an entry whose app has not landed yet left out."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils.translation import gettext_lazy

from sejahtera.workbench.core.navigation import SECTIONS, Section, entries
from sejahtera.workbench.core.policy import allowed
from sejahtera.workbench.core.roles import Role
from workbench_users import signed_in, user_with

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_dataset(settings) -> None:
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DATASET = None


def shown(page: str) -> list[tuple[str, bool]]:
    """(address, current) of each section link in the header of ``page``."""
    header = re.search(r'<nav class="sections".*?</nav>', page, re.S)
    if header is None:
        return []
    links = re.findall(r'<a href="([^"]+)"( aria-current="page")?>', header.group(0))
    return [(address, bool(current)) for address, current in links]


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_the_sections_the_policy_allows_it_in_order(role: Role) -> None:
    client = signed_in(role, "Yayasan A" if role == Role.PARTNER else "")
    expected = [
        s.address for s in SECTIONS if s.action != "staff" and allowed(client.user, s.action)
    ]
    assert [address for address, _ in shown(client.get("/dashboard/").text)] == expected
    assert ("/audit/" in expected) == (role in (Role.KEPALA, Role.AUDITOR))


def test_the_administration_section_is_for_staff_accounts_only() -> None:
    client = signed_in(Role.KEPALA)
    assert "/admin/" not in dict(shown(client.get("/dashboard/").text))
    client.user.is_staff = True
    client.user.save(update_fields=["is_staff"])
    assert "/admin/" in dict(shown(client.get("/dashboard/").text))


def test_the_current_section_is_marked_on_its_pages_and_only_there() -> None:
    client = signed_in(Role.OFFICER)
    for page, current in [
        ("/dashboard/", "/dashboard/"),
        ("/programmes/", "/programmes/"),
        ("/programmes/new/", "/programmes/"),
        ("/grievances/statistics/", "/grievances/"),
        ("/consultations/", "/consultations/"),
    ]:
        marked = [address for address, is_current in shown(client.get(page).text) if is_current]
        assert marked == [current], page


def test_no_sections_for_a_visitor_who_is_not_signed_in() -> None:
    assert shown(Client().get("/").text) == []


def test_a_section_whose_address_does_not_resolve_yet_is_left_out() -> None:
    user = user_with(Role.KEPALA)
    planned = (
        *SECTIONS[:1],
        Section("/no-such-app/", gettext_lazy("Data"), "dashboard.view"),
        *SECTIONS[1:2],
    )
    listed = entries(user, "/programmes/", planned)
    assert [e.address for e in listed] == ["/dashboard/", "/programmes/"]
    assert [e.current for e in listed] == [False, True]


def test_labels_are_in_the_pages_language() -> None:
    client = signed_in(Role.KEPALA)
    indonesian = client.get("/dashboard/").text
    assert ">Dasbor</a>" in indonesian and ">Pemangku kepentingan</a>" in indonesian
    client.cookies["django_language"] = "en"
    english = client.get("/dashboard/").text
    assert ">Dashboard</a>" in english and ">Stakeholders</a>" in english
