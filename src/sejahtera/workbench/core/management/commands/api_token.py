"""``sejahtera manage api_token USERNAME [--label L] [--days N]``: a token for the REST API.

The token alone goes to standard output (``TOKEN=$(sejahtera manage api_token NAME)``); when it
expires goes to standard error, in the command's language (``sejahtera --lang en manage …``,
or ``SEJAHTERA_LANG``; Indonesian by default). Who may have a token: core/tokens.py.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sejahtera.errors import SejahteraError
from sejahtera.i18n import text
from sejahtera.workbench.core import tokens


class Command(BaseCommand):
    help = "Make an API token for a user and print it (it cannot be shown again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--label", default="")
        parser.add_argument(
            "--days",
            type=int,
            default=tokens.DAYS,
            help=f"How long the token works (default {tokens.DAYS}, at most {tokens.MOST_DAYS}).",
        )

    def handle(self, *args: object, **options: object) -> None:
        username, days = str(options["username"]), int(options["days"])  # type: ignore[call-overload]
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(text("api_token.no_user", username=username)) from None
        try:
            issued = tokens.make(user, label=str(options["label"]), days=days)
        except SejahteraError as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(issued.token)
        expires = timezone.localtime(issued.expires).strftime("%Y-%m-%d %H:%M %Z")
        self.stderr.write(text("api_token.issued", username=username, days=days, expires=expires))
