"""``sejahtera manage add_user USERNAME --role ROLE [--organisation NAME]
[--password-from-env VAR]``: an account with a role, or a role for an existing account (one made
with ``createsuperuser``, say).

A new account needs a password: typed twice at the prompt, or read from the environment variable
``VAR`` (for scripts: the password then never appears on a command line or in a shell's history).
An existing account keeps its password unless one is given. A partner account names its
organisation, as the stakeholders pages spell it; the office's own roles name none. Each change
is written to the audit log.
"""

from __future__ import annotations

import difflib
import getpass
import os
import sys
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from sejahtera.workbench.core import audit
from sejahtera.workbench.core.models import Profile
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.stakeholders.models import Organisation

TRIES = 3  # at the password prompt


class Command(BaseCommand):
    help = "Add an account with a role, or give an existing account a role (audited)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help=", ".join(Role.values))
        parser.add_argument(
            "--organisation", default="", help="a partner's organisation, by its name"
        )
        parser.add_argument(
            "--password-from-env",
            metavar="VAR",
            default="",
            help="read the password from this environment variable instead of asking",
        )

    def handle(self, *args: object, **options: Any) -> None:
        role = _role(options["role"])
        organisation = _organisation(options["organisation"], role)
        users = get_user_model()
        username = options["username"]
        user = users.objects.filter(username=username).first() or users(username=username)
        created = user.pk is None
        password = self._password(options["password_from_env"], user, needed=created)
        with transaction.atomic():
            if password:
                user.set_password(password)
            user.save()
            before = Profile.objects.filter(user=user).first()
            Profile.objects.update_or_create(
                user=user, defaults={"role": role, "organisation": organisation}
            )
            audit.record(
                None,
                "user_added" if created else "role_given",
                user,
                role=role.value,
                organisation=organisation.pk if organisation else None,
                role_before=before.role if before else None,
                password_set=bool(password),
                by="add_user",
            )
        done = (
            _("Account %(username)s added: %(role)s.")
            if created
            else _("Account %(username)s now has the role %(role)s.")
        )
        self.stdout.write(done % {"username": username, "role": role.label})
        if organisation is not None:
            self.stdout.write(_("It speaks for %(name)s.") % {"name": organisation.name})

    def _password(self, variable: str, user: Any, *, needed: bool) -> str:
        """The password from ``variable``, or typed twice at the prompt; "" when an existing
        account keeps its own."""
        if variable:
            password = os.environ.get(variable, "")
            if not password:
                raise CommandError(
                    _("The environment variable %(name)s is not set or is empty.")
                    % {"name": variable}
                )
            _check(password, user)
            return password
        if not needed:
            return ""
        if not sys.stdin.isatty():
            raise CommandError(
                _(
                    "A new account needs a password: run the command in a terminal to type "
                    "it, or give --password-from-env VAR."
                )
            )
        for _try in range(TRIES):
            password = getpass.getpass(_("Password: "))
            if password != getpass.getpass(_("Password (again): ")):
                self.stderr.write(_("The two passwords differ."))
                continue
            try:
                _check(password, user)
            except CommandError as problem:
                self.stderr.write(str(problem))
                continue
            return password
        raise CommandError(_("No password was set; nothing was changed."))


def _role(value: str) -> Role:
    if value not in Role.values:
        raise CommandError(
            _("Unknown role “%(role)s”: choose one of %(roles)s.")
            % {"role": value, "roles": ", ".join(Role.values)}
        )
    return Role(value)


def _organisation(name: str, role: Role) -> Organisation | None:
    name = " ".join(name.split())
    if role != Role.PARTNER:
        if name:
            raise CommandError(
                _("Only a partner account belongs to an organisation: leave out --organisation.")
            )
        return None
    if not name:
        raise CommandError(
            _("A partner account needs --organisation: the name of the organisation it speaks for.")
        )
    found = Organisation.objects.filter(name=name).first()
    if found is None:
        alike = Organisation.objects.filter(name__iexact=name)
        found = alike.first() if alike.count() == 1 else None
    if found is not None:
        return found
    names = list(Organisation.objects.values_list("name", flat=True))
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    hint = (_(" Did you mean: %(names)s?") % {"names": "; ".join(close)}) if close else ""
    raise CommandError(
        _(
            "No organisation is named “%(name)s”.%(hint)s Add it on the Stakeholders page or in "
            "the administration pages first."
        )
        % {"name": name, "hint": hint}
    )


def _check(password: str, user: Any) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as problems:
        raise CommandError(" ".join(problems.messages)) from None
