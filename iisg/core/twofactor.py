"""Optional two-factor authentication for the back office: a TOTP code from an authenticator app.

A staff user who has confirmed a TOTP device (django-otp) must give its current code at the admin
login; one without a device logs in with the password alone, as before. Each user enrols and
removes their own device at /account/two-factor/: the page shows the QR code (an SVG drawn on
the server, no script) and the secret to type in, and a first code confirms the device. Removing
it asks for a current code, so a session left open is not enough to turn the second factor off.

Wrong codes are throttled by django-otp (each failure doubles the wait); wrong passwords are
counted by django-axes before the code is ever asked.
"""

from base64 import b32encode

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "Authenticator app"


def code_field(label, required):
    return forms.CharField(
        label=label,
        required=required,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}),
    )


def confirmed_device(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def check_code(device, code):
    """Raise ValidationError unless `code` is the device's current code (django-otp throttles tries)."""
    allowed, _extra = device.verify_is_allowed()
    if not allowed:
        raise forms.ValidationError(_("Too many wrong codes: wait a minute and try again."), code="throttled")
    if not device.verify_token((code or "").replace(" ", "")):
        raise forms.ValidationError(_("This code is not right: type the code your app shows now."), code="invalid")


class TwoFactorLoginForm(AdminAuthenticationForm):
    """The admin's login form with a code field, required only of users who have a confirmed device."""

    otp_token = code_field(_("Two-factor code"), required=False)
    otp_token.help_text = _("Only if you turned on two-factor authentication: the 6 digits your app shows.")

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
            check_code(device, self.cleaned_data["otp_token"])
            # django-otp's login signal records the device in the session: the user is verified.
            user.otp_device = device
        return cleaned_data


class CodeForm(forms.Form):
    code = code_field(_("Code from your app"), required=True)

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        check_code(self.device, self.cleaned_data["code"])
        return self.cleaned_data["code"]


def qr_code_svg(text):
    """`text` as a QR code: inline SVG markup, drawn here so the page loads nothing and runs nothing."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg = image.to_string(encoding="unicode")
    return mark_safe(svg.replace("<svg ", '<svg role="img" aria-label="QR code" ', 1))


def grouped(secret):
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@staff_member_required
def two_factor(request):
    """The signed-in user's own second factor: enrol (QR code, secret, first code) or remove it."""
    user = request.user
    device = confirmed_device(user)
    if device is None:
        pending = TOTPDevice.objects.filter(user=user, confirmed=False).first()
        if pending is None:
            pending = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
        form = CodeForm(request.POST or None, device=pending)
        if request.method == "POST" and form.is_valid():
            pending.confirmed = True
            pending.save(update_fields=["confirmed"])
            django_otp.login(request, pending)
            messages.success(request, _("Two-factor authentication is on: the next login asks for a code."))
            return redirect("two-factor")
        context = {
            "enrolling": True,
            "qr_code": qr_code_svg(pending.config_url),
            "secret": grouped(b32encode(pending.bin_key).decode()),
        }
    else:
        form = CodeForm(request.POST or None, device=device)
        if request.method == "POST" and form.is_valid():
            TOTPDevice.objects.filter(user=user).delete()
            messages.success(request, _("Two-factor authentication is off: the next login asks for the password only."))
            return redirect("two-factor")
        context = {"enrolling": False, "device": device}
    return TemplateResponse(
        request,
        "admin/two_factor.html",
        {**admin.site.each_context(request), "title": _("Two-factor authentication"), "form": form, **context},
    )
