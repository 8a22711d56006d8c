"""What every app's form pages share: the posted data, and one form page with the app's own
navigation, the errors, and the conflict message of optimistic locking (HTTP 409)."""

from __future__ import annotations

from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sejahtera.workbench.core.locking import CONFLICT


def posted(request: HttpRequest) -> object:
    """The form data of a POST; None for a GET (an unbound form)."""
    return request.POST if request.method == "POST" else None


def form_page(
    request: HttpRequest,
    form: BaseForm,
    title: str,
    back: str,
    nav: str,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    """``form`` under ``title`` with the navigation template ``nav``; a 409 explains the conflict
    (``conflict``, or the general message)."""
    context = {"form": form, "title": title, "back": back, "nav": nav}
    if status == 409:
        context["conflict"] = conflict or CONFLICT
    return render(request, "core/form.html", context, status=status)
