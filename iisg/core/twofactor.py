"""Two-factor authentication for the back office: a TOTP code from an authenticator app, and
recovery codes for the day the phone is lost.

A user who has confirmed a TOTP device (django-otp) must give its current code, or one of their
recovery codes, at the admin login; one without a device logs in with the password alone. With
OTP_REQUIRED_FOR_STAFF (production), the Secretariat and superusers have no choice: signed in
without a device, they are sent to enrol one before anything else (TwoFactorRequiredMiddleware).

Each user enrols and removes their own device at /account/two-factor/: the page shows the QR code
(an SVG drawn on the server, no script) and the secret to type in, and a first code confirms the
device. Confirming it gives ten recovery codes (a django-otp static device), shown once and
downloadable as text; each opens one login, and a new set replaces them from the same page. Removing
the device or replacing the codes asks for a current code, so a session left open is not enough.

Wrong codes are throttled by django-otp (each failure doubles the wait); wrong passwords are
counted by django-axes before the code is ever asked.
"""

from base64 import b32encode

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .permissions import viewer_of

DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODES = 10


def required_for(user):
    """Whether `user` must sign in with a second factor: the Secretariat and superusers, when
    OTP_REQUIRED_FOR_STAFF is on; for everyone else it stays a choice."""
    return settings.OTP_REQUIRED_FOR_STAFF and viewer_of(user).is_secretariat


def code_field(label, required, *, digits=True):
    """A field for a code: the app's digits, or (digits=False) also a recovery code, which has letters."""
    attrs = {"autocomplete": "one-time-code", "size": 8}
    if digits:
        attrs["inputmode"] = "numeric"
    return forms.CharField(
        label=label, required=required, max_length=8 if digits else 16, widget=forms.TextInput(attrs=attrs)
    )


def confirmed_device(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def recovery_device(user):
    return StaticDevice.objects.devices_for_user(user, confirmed=True).first()


def check_code(device, code):
    """Raise ValidationError unless `code` is the device's current code (django-otp throttles tries)."""
    allowed, _extra = device.verify_is_allowed()
    if not allowed:
        raise forms.ValidationError(_("Too many wrong codes: wait a minute and try again."), code="throttled")
    if not device.verify_token((code or "").replace(" ", "")):
        raise forms.ValidationError(_("This code is not right: type the code your app shows now."), code="invalid")


def check_recovery_code(device, code):
    """Raise ValidationError unless `code` is one of the unused recovery codes of `device`, which it
    then uses up (django-otp throttles tries)."""
    allowed, _extra = device.verify_is_allowed()
    if not allowed:
        raise forms.ValidationError(_("Too many wrong codes: wait a minute and try again."), code="throttled")
    if not device.verify_token((code or "").replace(" ", "").lower()):
        raise forms.ValidationError(
            _("This code is not right: type the code your app shows now, or a recovery code not used before."),
            code="invalid",
        )


def verify_second_factor(user, device, code):
    """The device of `user` that accepts `code`: the app `device` for its 6 digits, else the
    recovery codes; raise ValidationError if neither does."""
    code = (code or "").replace(" ", "")
    recovery = recovery_device(user)
    if recovery is not None and not (code.isdigit() and len(code) == device.digits):
        check_recovery_code(recovery, code)
        return recovery
    check_code(device, code)
    return device


class TwoFactorLoginForm(AdminAuthenticationForm):
    """The admin's login form with a code field, required only of users who have a confirmed device."""

    otp_token = code_field(gettext_lazy("Two-factor code"), required=False, digits=False)
    otp_token.help_text = gettext_lazy(
        "Only if you turned on two-factor authentication: the 6 digits your app shows, or a recovery code."
    )

    def clean(self):
        cleaned_data = super().clean()
        user = self.get_user()
        device = confirmed_device(user) if user is not None else None
        if device is not None:
            if not self.cleaned_data.get("otp_token"):
                raise forms.ValidationError(
                    _("This account uses two-factor authentication: enter the code your app shows."),
                    code="token_required",
                )
            # django-otp's login signal records the device in the session: the user is verified.
            user.otp_device = verify_second_factor(user, device, self.cleaned_data["otp_token"])
            if user.otp_device != device:
                left = user.otp_device.token_set.count()
                used = ngettext(
                    "You signed in with a recovery code; %(left)d remains.",
                    "You signed in with a recovery code; %(left)d remain.",
                    left,
                ) % {"left": left}
                advice = _("Lost your phone? Remove the app and set up a new one under Two-factor authentication.")
                messages.warning(self.request, f"{used} {advice}")
        return cleaned_data


class CodeForm(forms.Form):
    code = code_field(gettext_lazy("Code from your app"), required=True)

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        check_code(self.device, self.cleaned_data["code"])
        return self.cleaned_data["code"]


@transaction.atomic
def turn_on_two_factor(*, device):
    """Confirm the user's pending TOTP `device` (its first code was right) and give them a new set
    of recovery codes, returned: the only time they are shown."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return replace_recovery_codes(user=device.user)


@transaction.atomic
def replace_recovery_codes(*, user):
    """Give `user` RECOVERY_CODES new recovery codes, returned; the old ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _n in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def turn_off_two_factor(*, user):
    """Remove the app and the recovery codes of `user`: the next login asks for the password only."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def qr_code_svg(text):
    """`text` as a QR code: inline SVG markup, drawn here so the page loads nothing and runs nothing."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return mark_safe(svg.replace("<svg ", '<svg role="img" aria-label="QR code" ', 1))


def grouped(secret):
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def recovery_codes_file(user, codes):
    """The recovery codes as the text file the page offers to download."""
    lines = [
        _("IISG Platform: recovery codes of %(username)s.") % {"username": user.get_username()},
        _("Each opens one login, in place of the code of your app. Keep them apart from your phone."),
        "",
        *codes,
    ]
    return "\n".join(lines) + "\n"


@never_cache
@staff_member_required
def two_factor(request):
    """The signed-in user's own second factor: enrol (QR code, secret, first code), then replace the
    recovery codes or remove it. Enrolling and replacing answer with the new recovery codes."""
    user = request.user
    device = confirmed_device(user)
    context = {**admin.site.each_context(request), "title": _("Two-factor authentication")}
    if device is None:
        pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if pending is None:
            pending = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        form = CodeForm(request.POST or None, device=pending)
        if request.method == "POST" and form.is_valid():
            codes = turn_on_two_factor(device=pending)
            django_otp.login(request, pending)
            messages.success(request, _("Two-factor authentication is on: the next login asks for a code."))
            return recovery_codes_page(request, context, codes)
        context |= {
            "enrolling": True,
            "required": required_for(user),
            "qr_code": qr_code_svg(pending.config_url),
            "secret": grouped(b32encode(pending.bin_key).decode()),
            "form": form,
        }
    else:
        action = request.POST.get("action") if request.method == "POST" else None
        replace_form = CodeForm(request.POST if action == "replace-codes" else None, device=device, prefix="replace")
        remove_form = CodeForm(request.POST if action == "remove" else None, device=device, prefix="remove")
        if action == "replace-codes" and replace_form.is_valid():
            codes = replace_recovery_codes(user=user)
            messages.success(request, _("New recovery codes: the old ones no longer work."))
            return recovery_codes_page(request, context, codes)
        if action == "remove" and remove_form.is_valid():
            turn_off_two_factor(user=user)
            messages.success(request, _("Two-factor authentication is off: the next login asks for the password only."))
            return redirect("two-factor")
        recovery = recovery_device(user)
        context |= {
            "enrolling": False,
            "required": required_for(user),
            "device": device,
            "recovery_codes_left": recovery.token_set.count() if recovery else 0,
            "replace_form": replace_form,
            "remove_form": remove_form,
        }
    return TemplateResponse(request, "admin/two_factor.html", context)


def recovery_codes_page(request, context, codes):
    """The new recovery codes, shown this once (never stored in the page's cache)."""
    return TemplateResponse(
        request,
        "admin/two_factor_recovery_codes.html",
        {**context, "codes": codes, "codes_file": recovery_codes_file(request.user, codes)},
    )


class TwoFactorRequiredMiddleware:
    """With OTP_REQUIRED_FOR_STAFF, a Secretariat login or a superuser goes nowhere without a second
    factor: one with no device is sent to enrol it (signing out stays open), one whose session was
    not verified with a code signs in again with it. Only sessions: an API token never passes here
    signed in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.OTP_REQUIRED_FOR_STAFF
            and request.session.get(SESSION_KEY) is not None
            and not exempt_from_second_factor(request.path)
        ):
            user = request.user
            if user.is_authenticated and required_for(user) and not user.is_verified():
                return self.refusal(request, user)
        return self.get_response(request)

    def refusal(self, request, user):
        if confirmed_device(user) is not None:
            logout(request)
            messages.warning(request, _("Sign in again with the code of your authenticator app."))
            return redirect_to_login(request.get_full_path())
        if request.path.startswith("/api/"):
            detail = _("Your account must use two-factor authentication: set it up in the back office first.")
            return JsonResponse({"detail": detail}, status=403)
        return redirect("two-factor")


def exempt_from_second_factor(path):
    """The pages a login that must enrol may still reach: enrolment, signing out, and their files."""
    if path in {reverse("two-factor"), reverse("admin:logout"), reverse("healthz")}:
        return True
    return path.startswith((settings.STATIC_URL, settings.MEDIA_URL))
