"""The workbench's request wrappers: a strict Content-Security-Policy (every asset ships with the
package, nothing else loads), Indonesian first, the analytics core speaking the page's
language, and every table of a page exported to XLSX (``?xlsx=<n>``)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from sejahtera.i18n import speaking
from sejahtera.workbench.core import workbooks
from sejahtera.workbench.core.tables import Export

POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class ContentSecurityPolicy:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response


class IndonesianFirst(LocaleMiddleware):
    """Pages are in Indonesian unless the person chose English (the language button sets a
    cookie); the browser's Accept-Language is not consulted, so an office computer set up in
    English still opens the workbench in Indonesian. A REST API client has no button: its
    Accept-Language is its choice (still Indonesian when it names neither language)."""

    def process_request(self, request: HttpRequest) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in dict(settings.LANGUAGES) and request.path.startswith("/api/"):
            chosen = translation.get_language_from_request(request)
        if chosen not in dict(settings.LANGUAGES):
            chosen = settings.LANGUAGE_CODE
        translation.activate(chosen)
        request.LANGUAGE_CODE = translation.get_language()


class CoreSpeaksThePagesLanguage:
    """Messages and numbers of the analytics core (``sejahtera.i18n``) in the language of the
    page being served, not the server's: set per request, so two readers at once each get
    their own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with speaking(translation.get_language() or settings.LANGUAGE_CODE):
            return self.get_response(request)


class TableExports:
    """``?xlsx=<n>`` on any page's address answers table n of that page as an XLSX workbook
    (``core/static/sejahtera/tables.js`` puts the link under each table). The view runs as for
    the page itself (same user, same permissions, same filters: the parameter is taken out of
    the query string first) and its HTML becomes the workbook, so the export never shows more
    than the page; a list paged with ``tables.paginate`` gives all its rows."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "xlsx" not in request.GET or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        value = request.GET.get("xlsx", "")
        query = request.GET.copy()
        query.pop("xlsx")
        request.GET = query
        back = request.path + (f"?{query.urlencode()}" if query else "")
        number = workbooks.asked_table(value)
        if number is None:
            return workbooks.bad_number(request, value, back)
        export = request.table_export = Export(number)  # type: ignore[attr-defined]
        return workbooks.export(request, self.get_response(request), export, back)
