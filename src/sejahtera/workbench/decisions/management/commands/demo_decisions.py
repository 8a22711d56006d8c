"""``sejahtera manage demo_decisions``: the decision record of the DI Yogyakarta demo, with its
two scenarios run on the registered demo dataset, submitted for the head to decide. It speaks
the command line's language (``sejahtera --lang en manage demo_decisions``; Indonesian by
default)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from sejahtera.i18n import format_number
from sejahtera.i18n import language as cli_language
from sejahtera.workbench.decisions import demo


class Command(BaseCommand):
    help = "Add the demo decision record and run its two scenarios (safe to rerun)."

    def handle(self, *args: object, **options: object) -> None:
        language = cli_language()
        with translation.override(language):
            try:
                loaded = demo.load()
            except demo.DemoError as why:
                raise CommandError(str(why)) from None
            for line in said(loaded, language):
                self.stdout.write(line)


def said(loaded: demo.Loaded, language: str) -> list[str]:
    """What the command prints of what it loaded, in the active language."""
    lines = [
        _("Demo scenario “%(name)s” run on %(version)s in %(seconds)s s")
        % {"name": name, "version": loaded.version, "seconds": format_number(seconds, language, 1)}
        for name, seconds in loaded.ran.items()
    ]
    if not loaded.ran:
        lines.append(
            _("The demo scenarios already have their results on %(version)s")
            % {"version": loaded.version}
        )
    decision = loaded.decision
    assert decision is not None
    if loaded.decision_made:
        made = _(
            "Demo decision record “%(title)s” made with %(options)d options and submitted "
            "for the head's decision"
        )
    else:
        made = _("Demo decision record “%(title)s” is there already (%(options)d options)")
    lines.append(made % {"title": decision.title, "options": decision.options.count()})
    return lines
