"""The audit log: an append-only chain of events (see :mod:`.chain`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, router, transaction
from django.utils.translation import gettext_lazy as _

from sejahtera.workbench.audit import chain


class AuditEvent(models.Model):
    """Who did what, and when: every change to programmes, beneficiaries, indicators and
    grievances, every sign-in, and every view of unmasked personal data. Each event carries the
    hash of its content and of the event before it (``previous_digest``, ``digest``), given
    when it is inserted; ``sejahtera audit verify`` checks the chain."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(max_length=150, blank=True)  # kept if the user is removed
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    previous_digest = models.CharField(max_length=64, blank=True, editable=False)
    digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ("-at",)
        db_table = "core_auditevent"  # the table the core app made; moved here with its rows

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A new event joins the end of the chain, in the caller's transaction (or one of its
        own): if the event cannot be written, neither can the change it records."""
        if not self._state.adding:
            super().save(*args, **kwargs)
            return
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using):
            chain.lock(using)
            self.previous_digest = chain.last_digest(type(self)._default_manager.using(using))
            super().save(*args, **kwargs)
            self.digest = chain.seal(self)


class Suppressed(models.Model):
    """How many events of one kind caused by people not signed in were counted and not written
    since the last one written (core/audit.py); that event carries the number."""

    action = models.CharField(max_length=64, primary_key=True)
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.action}: {self.count}"
