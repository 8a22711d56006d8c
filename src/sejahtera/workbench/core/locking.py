"""Optimistic locking: an edit is saved only if nobody saved the record since the form was
opened; otherwise nothing changes and the user is told (HTTP 409).

A locked model has ``version = PositiveIntegerField(default=1)``. Its form derives from
:class:`VersionedForm`, which carries the version the user started from in a hidden field, and
the view saves with :func:`save_if_current`: one conditional ``UPDATE``, so two concurrent saves
can never both succeed, on SQLite or PostgreSQL. Every stale save in the workbench, here or in a
workflow, raises the one :class:`StaleVersion`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import F, Model
from django.utils.translation import gettext_lazy as _

CONFLICT = _(
    "Someone else saved a change to this record while you were editing it, so nothing was "
    "saved. Open the page again to see the current version, then make your change again."
)


class StaleVersion(Exception):
    """Someone else saved the record after the user opened it, so nothing was written. The
    message is :data:`CONFLICT`; ``current`` is the record as it now is, when the caller read it."""

    def __init__(self, current: Model | None = None) -> None:
        super().__init__(str(CONFLICT))
        self.current = current


class VersionedForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["version"]  # a new record starts at version 1
        else:
            self.fields["version"].initial = self.instance.version


def changed_fields(form: VersionedForm) -> list[str]:
    return [name for name in form.changed_data if name != "version"]


def save_if_current(form: VersionedForm, **also: Any) -> None:
    """Write the valid ``form`` (and the ``also`` values) if the record still has the version
    the form was opened with; raise :class:`StaleVersion`, with nothing written, if it does not.
    Many-to-many fields (a programme's partners) are set after the record's own row."""
    instance: Model = form.instance
    started_from = form.cleaned_data["version"]
    changes = {name: form.cleaned_data[name] for name in form.Meta.fields} | also
    links = {name: changes.pop(name) for name in list(changes) if _many(instance, name)}
    saved = (
        type(instance)
        .objects.filter(pk=instance.pk, version=started_from)
        .update(version=F("version") + 1, **changes)
    )
    if not saved:
        raise StaleVersion
    instance.version = started_from + 1
    for name, values in links.items():
        getattr(instance, name).set(values)


def _many(instance: Model, name: str) -> bool:
    return bool(instance._meta.get_field(name).many_to_many)
