"""``sejahtera manage demo_decisions``: the decision record of the DI Yogyakarta demo, with its
two scenarios run on the registered demo dataset, submitted for the head to decide."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sejahtera.i18n import format_number
from sejahtera.workbench.decisions import demo
from sejahtera.workbench.decisions.views import language


class Command(BaseCommand):
    help = "Add the demo decision record and run its two scenarios (safe to rerun)."

    def handle(self, *args: object, **options: object) -> None:
        try:
            loaded = demo.load()
        except demo.DemoError as why:
            raise CommandError(str(why)) from None
        for name, seconds in loaded.ran.items():
            self.stdout.write(
                _("Demo scenario “%(name)s” run on %(version)s in %(seconds)s s")
                % {
                    "name": name,
                    "version": loaded.version,
                    "seconds": format_number(seconds, language(), 1),
                }
            )
        if not loaded.ran:
            self.stdout.write(
                _("The demo scenarios already have their results on %(version)s")
                % {"version": loaded.version}
            )
        decision = loaded.decision
        assert decision is not None
        if loaded.decision_made:
            said = _(
                "Demo decision record “%(title)s” made with %(options)d options and submitted "
                "for the head's decision"
            )
        else:
            said = _("Demo decision record “%(title)s” is there already (%(options)d options)")
        self.stdout.write(said % {"title": decision.title, "options": decision.options.count()})
