"""The workbench tests' users: one with a given role (and, for a partner, its organisation), and a
browser client signed in as one; the organisations they speak for, and programmes with their
partners. Every workbench test module makes its users here."""

from __future__ import annotations

from itertools import count

from django.contrib.auth import get_user_model
from django.test import Client

from sejahtera.workbench.core.models import Profile
from sejahtera.workbench.programmes.models import Programme
from sejahtera.workbench.stakeholders.models import Organisation

PASSWORD = "a long enough password 1"
_numbers = count()


def organisation_named(name: str, **fields: object) -> Organisation:
    """The organisation ``name``, made (an NGO unless ``fields`` say otherwise) if missing."""
    return Organisation.objects.get_or_create(name=name, defaults={"kind": "ngo", **fields})[0]


def new_programme(
    code: str, name: str, partners: tuple[str, ...] = (), **fields: object
) -> Programme:
    """A new programme whose partners are the organisations named ``partners``."""
    made = Programme.objects.create(code=code, name=name, **fields)
    made.partners.set(organisation_named(partner) for partner in partners)
    return made


def user_with(
    role: str | None,
    organisation: str | Organisation = "",
    *,
    username: str | None = None,
    password: str | None = None,
):
    """A new user holding ``role`` (None: an account without a role), a partner speaking for
    ``organisation`` (one, or its name); without ``password`` the account cannot sign in through
    the form (quicker: tests sign it in with ``force_login``)."""
    name = username or f"{role or 'no-role'}-{next(_numbers)}"
    user = get_user_model().objects.create_user(name, password=password)
    if isinstance(organisation, str):
        organisation = organisation_named(organisation) if organisation else None
    if role is not None:
        Profile.objects.create(user=user, role=role, organisation=organisation)
    return user


def signed_in(
    role: str | None = None, organisation: str | Organisation = "", *, user=None, **kwargs
) -> Client:
    """A client signed in as ``user``, or as a new :func:`user_with` ``role``; the user is
    ``client.user``."""
    client = Client()
    client.user = user or user_with(role, organisation, **kwargs)  # type: ignore[attr-defined]
    client.force_login(client.user)  # type: ignore[attr-defined]
    return client
