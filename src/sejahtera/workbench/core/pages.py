"""The pages every app shares: the form page, the two form flows built on it (create a record,
edit one under optimistic locking), and the refusal page.

A create or edit view loads its records (checking access), builds its form, and hands both to
:func:`create_page` or :func:`edit_page`: GET shows the form; a POST with errors shows them
(400); a stale version is refused (409); a save is audited and redirected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.forms import BaseForm, BaseModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sejahtera.workbench.core import audit
from sejahtera.workbench.core.locking import (
    CONFLICT,
    StaleVersion,
    VersionedForm,
    changed_fields,
    save_if_current,
)


@dataclass(frozen=True)
class FormPage:
    """What surrounds a form: its title, the address of Cancel (and, unless said otherwise,
    of the page after saving), and the app's navigation template."""

    title: str
    back: str
    nav: str


def posted(request: HttpRequest) -> object:
    """The form data of a POST; None for a GET (an unbound form)."""
    return request.POST if request.method == "POST" else None


def form_page(
    request: HttpRequest, form: BaseForm, page: FormPage, status: int = 200, conflict: str = ""
) -> HttpResponse:
    """``form`` on its page; a 409 explains the conflict (``conflict``, or the general
    message of optimistic locking)."""
    context = {"form": form, "title": page.title, "back": page.back, "nav": page.nav}
    if status == 409:
        context["conflict"] = conflict or CONFLICT
    return render(request, "core/form.html", context, status=status)


def create_page(
    request: HttpRequest,
    form: BaseModelForm,
    page: FormPage,
    on_saved: Callable[[Model], str | None],
    *,
    clash: str = "",
    save: Callable[[BaseModelForm], Model] | None = None,
) -> HttpResponse:
    """A page that adds a record. On a valid POST the record is saved (``save``, by default
    ``form.save()``) and ``on_saved(record)`` writes the audit event and may name the page to go
    to (``page.back`` otherwise). ``clash`` is the error shown when the save breaks a unique
    constraint (the same record, added by someone else at the same moment)."""
    if request.method != "POST":
        return form_page(request, form, page)
    if not form.is_valid():
        return form_page(request, form, page, status=400)
    try:
        with transaction.atomic():
            record = save(form) if save else form.save()
            target = on_saved(record)
    except IntegrityError:
        if not clash:
            raise
        form.add_error(None, clash)
        return form_page(request, form, page, status=400)
    return redirect(target or page.back)


def edit_page(
    request: HttpRequest,
    form: VersionedForm,
    page: FormPage,
    audit_as: str,
    *,
    clash: str = "",
    on_saved: Callable[[], object] | None = None,
) -> HttpResponse:
    """A page that changes a record under optimistic locking: saved only if nobody saved it
    since the form was opened (otherwise 409, nothing written), audited as ``audit_as`` with
    the changed fields, then back to ``page.back``. ``clash`` as for :func:`create_page`;
    ``on_saved()`` writes further audit events in the same transaction."""
    if request.method != "POST":
        return form_page(request, form, page)
    if not form.is_valid():
        return form_page(request, form, page, status=400)
    try:
        with transaction.atomic():
            save_if_current(form)
            audit.record(request, audit_as, form.instance, fields=changed_fields(form))
            if on_saved is not None:
                on_saved()
    except StaleVersion as stale:
        return form_page(request, form, page, status=409, conflict=str(stale))
    except IntegrityError:
        if not clash:
            raise
        form.add_error(None, clash)
        return form_page(request, form, page, status=400)
    return redirect(page.back)


def refused(
    request: HttpRequest,
    message: str,
    back: str,
    *,
    status: int = 409,
    title: str = "",
    nav: str = "",
    detail: str = "",
    back_label: str = "",
) -> HttpResponse:
    """The one page for an action that was not done: why (``message``, and ``detail``), and the
    way back. ``status``: 409 when the record's state forbids it, 400 for a bad request."""
    context = {
        "message": message,
        "detail": detail,
        "back": back,
        "back_label": back_label,
        "title": title,
        "nav": nav,
    }
    return render(request, "core/refused.html", context, status=status)
