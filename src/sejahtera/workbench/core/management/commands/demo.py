"""``sejahtera manage demo``: a demo user for each role, with a fresh random password printed.

Run again, it sets new passwords: the printed ones are always the ones that work. The head
signs in with a second factor (core/twofactor.py): the demo head gets an authenticator key and
ten single-use backup codes, printed with the passwords and new at every run, so the demo can
be opened without enrolling a phone first. The partner
speaks for the demo's partner organisation (made here if missing); the demo's programmes,
stakeholders and grievances come with the apps that hold them.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from sejahtera.workbench.core import twofactor
from sejahtera.workbench.core.models import Profile
from sejahtera.workbench.core.roles import Role
from sejahtera.workbench.stakeholders.demo import DEMO_PARTNER, demo_organisation


class Command(BaseCommand):
    help = "Create or refresh a demo user for each role and print the credentials."

    def handle(self, *args: object, **options: object) -> None:
        users = get_user_model()
        lines = []
        with transaction.atomic():
            partner = demo_organisation(DEMO_PARTNER)
            for role in Role:
                username = f"demo-{role}"
                password = secrets.token_urlsafe(12)
                user, _ = users.objects.get_or_create(username=username)
                user.set_password(password)
                user.save()
                Profile.objects.update_or_create(
                    user=user,
                    defaults={
                        "role": role,
                        "organisation": partner if role == Role.PARTNER else None,
                    },
                )
                lines.append(f"  {role.label!s:<24} {username:<16} {password}")
                if role == Role.KEPALA:
                    key, codes = twofactor.demo_factor(user)
        self.stdout.write("Pengguna demo / demo users (role, username, password):")
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(
            f"Kunci autentikator {Role.KEPALA.label!s} / authenticator key: {key}\n"
            f"Kode cadangan sekali pakai / single-use backup codes: {' '.join(codes)}"
        )
