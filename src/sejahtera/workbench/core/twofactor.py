"""The second factor of the head (kepala) and the administrators (``is_staff``): a one-time code
from an authenticator app (TOTP, django-otp) after the password, and ten backup codes (django-otp's
static plugin) for a lost phone, each good once.

The first sign-in leads to enrolment (:func:`security`): the app's key as a QR code (SVG drawn
here by segno, nothing fetched) and as text; the first code from the app confirms it and the
backup codes are shown, once. Later sign-ins ask for a code (:func:`verify`). Until then
``middleware.SecondFactor`` lets such an account open nothing but these pages. A lost phone and
lost codes: an administrator deletes the account's devices in /admin/ (TOTP devices, static
devices) and the person enrols again. Other roles may enrol too; they are never asked to.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sejahtera.workbench.core import audit, ratelimit
from sejahtera.workbench.core.policy import requires
from sejahtera.workbench.core.roles import Role, role_of

BACKUP_CODES = 10
VERIFY, ENROL = "/login/verify/", "/account/two-factor/"
OWED = "sejahtera_code_owed"  # in the session: someone who enrolled of their own accord


def owed(request: HttpRequest) -> bool:
    """Whether the signed-in account must still give its code before any other page: the head
    and administrators always, anyone else who turned the second factor on."""
    user = request.user
    if not settings.TWO_FACTOR or not user.is_authenticated or user.is_verified():
        return False
    return needed(user) or bool(request.session.get(OWED))


def ask_at_sign_in(request: HttpRequest, user: AbstractBaseUser) -> bool:
    """Whether the sign-in goes on to the code (or the enrolment); remembered in the session."""
    if not settings.TWO_FACTOR:
        return False
    if needed(user):
        return True
    if enrolled(user) is not None:
        request.session[OWED] = True
        return True
    return False


def needed(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether ``user`` must sign in with a second factor (the head, an administrator)."""
    if not settings.TWO_FACTOR or not user.is_authenticated:
        return False
    return role_of(user) == Role.KEPALA or user.is_staff or user.is_superuser


def enrolled(user: AbstractBaseUser) -> TOTPDevice | None:
    """The account's confirmed authenticator, if any."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def next_step(user: AbstractBaseUser, target: str) -> str:
    """Where a signed-in account that still owes its second factor goes, then on to ``target``."""
    page = VERIFY if enrolled(user) is not None else ENROL
    return f"{page}?{urlencode({'next': target})}" if target else page


def _target(request: HttpRequest) -> str:
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return "/dashboard/"
    return target or "/dashboard/"


def _qr(device: TOTPDevice) -> str:
    import segno

    return segno.make(device.config_url).svg_inline(scale=5, light="#fff", omitsize=False)


def _key_text(device: TOTPDevice) -> str:
    """The key as an app takes it typed (base32, in groups of four)."""
    from base64 import b32encode

    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def new_backup_codes(user: AbstractBaseUser) -> list[str]:
    """Ten new backup codes for ``user``; the old ones stop working."""
    device, _made = StaticDevice.objects.get_or_create(
        user=user, name="backup", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def demo_factor(user: AbstractBaseUser) -> tuple[str, list[str]]:
    """A demo account's second factor: a new confirmed authenticator (its key as text, for an
    app) and new backup codes. For ``manage demo`` only: a real account enrols itself."""
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, confirmed=True, name="authenticator")
    return _key_text(device), new_backup_codes(user)


def _backup_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _checked(request: HttpRequest, code: str) -> tuple[object | None, str]:
    """The device that accepts ``code`` (authenticator first, then a backup code) and its kind."""
    code = "".join(code.split()).lower()[:16]
    for device, kind in (
        (enrolled(request.user), "totp"),
        (StaticDevice.objects.filter(user=request.user, confirmed=True).first(), "backup"),
    ):
        if device is not None and code and verify_token(request.user, device.persistent_id, code):
            return device, kind
    return None, ""


@never_cache
@require_http_methods(["GET", "POST"])
@requires("account.security", administrators=True)
def verify(request: HttpRequest) -> HttpResponse:
    """The one-time code after the password."""
    user, target = request.user, _target(request)
    if user.is_verified():
        return redirect(target)
    if enrolled(user) is None:
        return redirect(next_step(user, target))
    error, status = "", 200
    if request.method == "POST":
        address = audit.client_address(request)
        if ratelimit.sign_in_refused(user.get_username(), address):
            error, status = _("Too many failed attempts. Wait 15 minutes and try again."), 429
            audit.record(request, "login_blocked", step="second_factor")
        else:
            device, kind = _checked(request, request.POST.get("code", ""))
            if device is None:
                ratelimit.sign_in_failed(user.get_username(), address)
                error, status = _("That code is wrong or has already been used."), 401
                audit.record(request, "login_second_factor_failed")
            else:
                otp_login(request, device)
                request.session.pop(OWED, None)
                request.session.cycle_key()  # a new session id for the full sign-in
                ratelimit.sign_in_succeeded(user.get_username(), address)
                audit.record(request, "login_second_factor", kind=kind)
                return redirect(target)
    context = {"error": error, "next": target}
    return render(request, "core/verify.html", context, status=status)


def _one_at_a_time(user: AbstractBaseUser) -> None:
    """Inside a transaction: wait until no other request is enrolling this account. PostgreSQL:
    the account's row locked until the transaction ends; SQLite: the transaction holds the
    database's write lock from its start (``BEGIN IMMEDIATE``), so there is nothing to add."""
    get_user_model()._default_manager.select_for_update().only("pk").get(pk=user.pk)


def _pending(user: AbstractBaseUser) -> TOTPDevice:
    """The account's one unconfirmed authenticator, made at the first visit: the same key on
    every visit and in every tab until it is confirmed. Under :func:`_one_at_a_time`."""
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if pending is None:
        pending = TOTPDevice.objects.create(user=user, confirmed=False, name="authenticator")
    return pending


def _confirmed(pending: TOTPDevice, code: str) -> bool:
    """Whether ``code`` is the pending authenticator's, and it is now confirmed (once: the
    code is used up, and the update finds it unconfirmed). Under :func:`_one_at_a_time`."""
    code = "".join(code.split())
    if not code.isdigit() or not pending.verify_token(code):
        return False
    return TOTPDevice.objects.filter(pk=pending.pk, confirmed=False).update(confirmed=True) == 1


@never_cache
@require_http_methods(["GET", "POST"])
@requires("account.security", administrators=True)
def security(request: HttpRequest) -> HttpResponse:
    """Enrolment of an authenticator app, or (once verified) new backup codes."""
    user, target = request.user, _target(request)
    device = enrolled(user)
    if device is not None and not user.is_verified():
        return redirect(next_step(user, target))  # the code first: no second enrolment
    context: dict[str, object] = {"next": target, "needed": needed(user)}
    if device is not None:
        if request.method == "POST":
            with transaction.atomic():  # two renewals at once leave one set, the last shown
                _one_at_a_time(user)
                context["codes"] = new_backup_codes(user)
                audit.record(request, "backup_codes_renewed")
        context["left"] = _backup_left(user)
        return render(request, "core/security.html", context)
    status, confirmed = 200, False
    with transaction.atomic():
        _one_at_a_time(user)
        if enrolled(user) is not None:  # another request confirmed one meanwhile: its code
            return redirect(next_step(user, target))
        pending = _pending(user)
        if request.method == "POST":
            confirmed = _confirmed(pending, request.POST.get("code", ""))
            if confirmed:
                context["codes"] = new_backup_codes(user)
                audit.record(request, "two_factor_enrolled")
            else:
                context["error"] = _("That code is wrong: look at the app and try again.")
                status = 400
    if confirmed:
        otp_login(request, pending)
        request.session.cycle_key()
        context["left"] = BACKUP_CODES
        return render(request, "core/security.html", context)
    context.update(qr=mark_safe(_qr(pending)), key=_key_text(pending))  # segno: no user text
    return render(request, "core/security.html", context, status=status)
