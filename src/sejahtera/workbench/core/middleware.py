"""The workbench's request wrappers: a strict Content-Security-Policy (every asset ships with the
package, nothing else loads), Indonesian first, the analytics core speaking the page's
language, every table of a page exported to XLSX (``?xlsx=<n>``), sessions that end when idle,
and the second factor owed by the head and the administrators before any other page."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.utils import translation

from sejahtera.i18n import speaking
from sejahtera.workbench.core import audit, twofactor, workbooks
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


LAST_SEEN = "sejahtera_last_seen"  # the session's last request, in seconds since the epoch
SIGNED_OUT = "sejahtera_signed_out"  # why the session ended: the sign-in page says it


class IdleSessions:
    """A signed-in session ends after ``SESSION_IDLE_MINUTES`` without a request, and the
    sign-in page then says why. A page polling itself (htmx, a job's progress) is not someone
    at work, so it does not keep the session open. The time is kept to the minute: a session
    is written at most once a minute by this."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated or not hasattr(request, "session"):
            return self.get_response(request)
        now, seen = time.time(), request.session.get(LAST_SEEN)
        if seen is not None and now - seen > settings.SESSION_IDLE_MINUTES * 60:
            audit.record(request, "session_expired", idle_minutes=settings.SESSION_IDLE_MINUTES)
            logout(request)
            request.session[SIGNED_OUT] = "idle"
            signed_out = redirect_to_login(request.get_full_path())
            if request.headers.get("HX-Request"):  # a polling part of a page: the whole page
                answer = HttpResponse(status=200)
                answer["HX-Redirect"] = signed_out["Location"]
                return answer
            return signed_out
        polling = request.method == "GET" and request.headers.get("HX-Request")
        if seen is None or (now - seen >= 60 and not polling):
            request.session[LAST_SEEN] = now
        return self.get_response(request)


class SecondFactor:
    """The head and the administrators (``twofactor.needed``), and anyone who turned the second
    factor on, open nothing but signing in and out, the code and the enrolment pages until they
    have given their code (``twofactor.owed``)."""

    OPEN = ("/login/", "/logout/", twofactor.ENROL, "/static/", "/i18n/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if twofactor.owed(request) and not request.path.startswith(self.OPEN):
            return redirect(twofactor.next_step(request.user, request.get_full_path()))
        return self.get_response(request)
