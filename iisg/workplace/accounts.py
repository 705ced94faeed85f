"""Passwords by e-mail: "Forgotten your password?" on the sign-in page, and the invitation a new
login receives to set its own password. Django's views (their standard URL names, in
iisg.workplace.account_urls), with the mail queued through iisg.workplace.mail, never sent inside
the request.

Both mails carry a one-time link made by Django's reset tokens: it stops working once the password
is set (the token hashes the password) and after PASSWORD_RESET_TIMEOUT. Asking for a reset never
tells whether an address belongs to a login: the page answers the same either way. Setting a
password through a link lifts the login's lock-out (django-axes): the wrong passwords counted were
given for the old one, and whoever follows the link has proved they read the login's mailbox.
"""

import unicodedata

from axes.utils import reset as forget_failed_logins
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from iisg.core.accounts import manages
from iisg.core.errors import NotAllowed

from .errors import CannotInvite
from .mail import queue_mail

DAY = 24 * 60 * 60


def same_address(one, other):
    """Whether two addresses are the same, case and Unicode forms aside: Django's own comparison
    (Unicode TR 36), stricter than the database's `iexact`, which may match a look-alike address."""
    return unicodedata.normalize("NFKC", one).casefold() == unicodedata.normalize("NFKC", other).casefold()


def link_lifetime():
    """How long a link to set a password works, in words: "3 days", "12 hours"."""
    seconds = settings.PASSWORD_RESET_TIMEOUT
    if seconds >= DAY:
        days = seconds // DAY
        return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
    hours = max(1, seconds // 3600)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


def password_link(user, *, url_name, uid=None, token=None):
    """The full address (SITE_URL) of the one-time page `url_name` where `user` sets a password."""
    uid = uid or urlsafe_base64_encode(force_bytes(user.pk))
    token = token or default_token_generator.make_token(user)
    return settings.SITE_URL + reverse(url_name, kwargs={"uidb64": uid, "token": token})


def invite(*, user, by):
    """Mail the login `user` a link to set its own password ("set your password"), on behalf of
    `by`, who must manage logins. Refused (CannotInvite) for a login without an e-mail address or
    an inactive one. Answers the queued Mail."""
    with transaction.atomic():
        if not manages(by, user):
            raise NotAllowed(_("Only who manages logins may invite %(username)s.") % {"username": user})
        if not user.is_active:
            raise CannotInvite(_("%(username)s is inactive: activate the login first.") % {"username": user})
        if not user.email:
            raise CannotInvite(_("%(username)s has no e-mail address: add one to send the link.") % {"username": user})
        context = {
            "user": user,
            "by": by,
            "link": password_link(user, url_name="set_password"),
            "valid_for": link_lifetime(),
            "login_url": settings.SITE_URL + reverse("admin:login"),
        }
        return queue_mail(to=user.email, template="set_password", context=context, recipient=user)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, its mail queued (template `password_reset`) instead of sent at once."""

    def get_users(self, email):
        # Django leaves out logins without a usable password (signing in elsewhere); here every
        # login signs in with a password, and one created without (its invitation expired)
        # asks for a new link this way.
        model = get_user_model()
        email_field = model.get_email_field_name()
        candidates = model._default_manager.filter(**{f"{email_field}__iexact": email, "is_active": True})
        return (user for user in candidates if same_address(email, getattr(user, email_field)))

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        user = context["user"]
        link = password_link(user, url_name="password_reset_confirm", uid=context["uid"], token=context["token"])
        queue_mail(
            to=to_email,
            template="password_reset",
            context={"user": user, "link": link, "valid_for": link_lifetime()},
            recipient=user,
        )


class SetPasswordForm(auth_forms.SetPasswordForm):
    """Django's form for a new password (the validators of AUTH_PASSWORD_VALIDATORS), which also
    lifts the login's lock-out once the password is set."""

    def save(self, commit=True):
        user = super().save(commit=commit)
        if commit:
            forget_failed_logins(username=user.get_username())
        return user


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "registration/account_password_reset_form.html"
    success_url = reverse_lazy("password_reset_done")
    title = gettext_lazy("Forgotten your password?")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/account_password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "registration/account_password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")
    title = gettext_lazy("Choose a new password")


class SetPasswordView(PasswordResetConfirmView):
    """The invitation's link: the same one-time page, titled for a login that has no password yet."""

    title = gettext_lazy("Set your password")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/account_password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/account_password_change_form.html"
    success_url = reverse_lazy("password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/account_password_change_done.html"
