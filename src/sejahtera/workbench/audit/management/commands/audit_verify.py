"""``sejahtera audit verify`` (``sejahtera manage audit_verify``): walk the audit log's hash
chain. Prints how many events it checked and exits 0, or names the first event that does not fit
(its id, time, and what differs) and exits 1. It speaks the command line's language
(``sejahtera --lang en audit verify``; Indonesian by default)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sejahtera.i18n import format_number
from sejahtera.i18n import language as cli_language
from sejahtera.workbench.audit import chain
from sejahtera.workbench.audit.models import AuditEvent


class Command(BaseCommand):
    help = "Check the audit log's hash chain: exit 0 when intact, 1 at the first broken event."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--head",
            default="",
            help="A last-event hash printed by an earlier check: it must still be in the chain.",
        )

    def handle(self, *args: object, **options: object) -> None:
        language = cli_language()
        with translation.override(language):
            verified = chain.verify(AuditEvent.objects.all(), str(options["head"] or ""))
            if verified.intact:
                self.stdout.write(intact(verified, language))
                return
            self.stderr.write(broken(verified, str(options["head"] or "")))
        raise SystemExit(1)


def intact(verified: chain.Verified, language: str) -> str:
    """What an intact chain prints: the count, and the last event's hash to keep elsewhere."""
    if verified.checked == 0:
        return _("The audit log is empty: there is nothing to check.")
    line = ngettext(
        "The audit log is intact: %(count)s event checked. The last is #%(id)s, with the hash "
        "%(digest)s (keep it: `sejahtera audit verify --head %(digest)s` shows later that no "
        "event up to it was removed).",
        "The audit log is intact: %(count)s events checked. The last is #%(id)s, with the hash "
        "%(digest)s (keep it: `sejahtera audit verify --head %(digest)s` shows later that no "
        "event up to it was removed).",
        verified.checked,
    ) % {
        "count": format_number(verified.checked, language),
        "id": verified.last_id,
        "digest": verified.last_digest,
    }
    if verified.head_found:
        line += " " + _("The hash given with --head is in the chain.")
    return line


def broken(verified: chain.Verified, head: str) -> str:
    """The first event that does not fit, or a --head hash that is no longer in the chain."""
    failure = verified.broken
    if failure is None:
        return _(
            "The hash %(head)s given with --head is not in the audit log: events were removed "
            "from its end, or the log was replaced."
        ) % {"head": head}
    values = {
        "id": failure.id,
        "before": failure.before_id,
        "expected": failure.expected,
        "found": failure.found,
    }
    if failure.fault == chain.Fault.CHANGED:
        what = _(
            "its stored fields give the hash %(expected)s but it carries %(found)s: it was "
            "changed after it was written."
        )
    elif failure.fault == chain.Fault.UNLINKED:
        what = _(
            "it should follow event #%(before)s (hash %(expected)s) but follows %(found)s: an "
            "event between them was removed, or this event's link was changed."
        )
        first, last = (failure.before_id or 0) + 1, failure.id - 1
        if last == first:
            what = f"{what} " + _("Event #%(first)s is missing.") % {"first": first}
        elif last > first:
            missing = _("Events #%(first)s to #%(last)s are missing.")
            what = f"{what} " + missing % {"first": first, "last": last}
    elif failure.fault == chain.Fault.FIRST_REMOVED:
        what = _(
            "it is the first event left but does not follow the start of the log: the events "
            "before it were removed."
        )
    else:
        what = _("it has no hash: it was written outside the workbench.")
    when = timezone.localtime(failure.at).isoformat(sep=" ", timespec="seconds")
    count = format_number(verified.checked, translation.get_language() or "id")
    checked = ngettext(
        "%(count)s event before it fits the chain.",
        "%(count)s events before it fit the chain.",
        verified.checked,
    ) % {"count": count}
    return (
        _("The audit log is broken at event #%(id)s (%(at)s): %(what)s")
        % {"id": failure.id, "at": when, "what": what % values}
        + " "
        + checked
    )
