"""Logins: the lock-out after wrong passwords, and managing logins as the Secretariat does it from
the list of logins (who may manage a login, who is locked out now, lifting a lock-out, turning off a
second factor whose phone is lost instead of asking a superuser).

A username is locked out from an address after AXES_FAILURE_LIMIT wrong passwords from it, and from
every address after AXES_USERNAME_FAILURE_LIMIT wrong passwords from all of them together, until
AXES_COOLOFF_TIME has passed since the last of them (django-axes, with LockOutHandler).
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, ExpressionWrapper, Max, OuterRef, Q, Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import twofactor
from .choices import Verb
from .permissions import can


def manages(user, account=None, verb=Verb.CHANGE):
    """Whether `user` may change (or `verb`) the login `account`, or logins at all: the rules say
    who manages logins, and only a superuser touches a superuser's, so a Secretariat login cannot
    raise itself above the Secretariat."""
    if account is None:
        return can(user, verb, User)
    if account.is_superuser and not user.is_superuser:
        return False
    return can(user, verb, account)


def _refuse_unless_manages(user, account):
    if not manages(user, account):
        raise PermissionDenied(_("Only who manages the login %(username)s may do this.") % {"username": account})


def username_failures(username, *, since):
    """The wrong passwords given for `username` since `since`, from every address together."""
    attempts = AccessAttempt.objects.filter(username=username, attempt_time__gte=since)
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LockOutHandler(AxesDatabaseHandler):
    """django-axes' database handler, which locks a username out per address, with the lock-out of
    a username from every address once AXES_USERNAME_FAILURE_LIMIT failures add up across them.

    django-axes asks `get_failures` both before a login (is it locked?) and after a failure (does
    it lock now?) and compares the answer with the one AXES_FAILURE_LIMIT: a username over its own
    limit answers at least that limit."""

    def address_failures(self, request, credentials=None):
        """The failures of this username from this address, within the cool-off."""
        return super().get_failures(request, credentials)

    def get_failures(self, request, credentials=None):
        failures = self.address_failures(request, credentials)
        username = get_client_username(request, credentials)
        if username and locked_everywhere(username, since=get_cool_off_threshold(request)):
            return max(failures, get_failure_limit(request, credentials))
        return failures


def locked_everywhere(username, *, since):
    return username_failures(username, since=since) >= settings.AXES_USERNAME_FAILURE_LIMIT


def lock_out_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (HTTP 429): the lock-out page, or for the API a JSON
    {"detail": …} with Retry-After, the cool-off in seconds."""
    cool_off = get_cool_off(request)
    address_limit = get_failure_limit(request, credentials)
    everywhere = LockOutHandler().address_failures(request, credentials) < address_limit
    if request.path.startswith("/api/"):
        minutes = round(cool_off.total_seconds() / 60)
        detail = ngettext(
            "Too many wrong passwords for this account: try again in %(minutes)d minute.",
            "Too many wrong passwords for this account: try again in %(minutes)d minutes.",
            minutes,
        ) % {"minutes": minutes}
        response = JsonResponse({"detail": detail}, status=429)
        response["Retry-After"] = str(int(cool_off.total_seconds()))
        return response
    context = {
        "failure_limit": settings.AXES_USERNAME_FAILURE_LIMIT if everywhere else address_limit,
        "everywhere": everywhere,
        "username": get_client_username(request, credentials) or "",
        "cooloff_timedelta": cool_off,
    }
    return render(request, "admin/lockout.html", context, status=429)


def locked_out_usernames():
    """The usernames locked out at this moment, from one address or from all."""
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    per_username = recent.values("username").annotate(
        most=Max("failures_since_start"), total=Sum("failures_since_start")
    )
    locking = Q(most__gte=settings.AXES_FAILURE_LIMIT) | Q(total__gte=settings.AXES_USERNAME_FAILURE_LIMIT)
    return per_username.filter(locking).values("username")


def with_lock_out(accounts):
    """The logins, each with `locked_out`: whether its username is locked out now."""
    locked = Q(username__in=locked_out_usernames())
    return accounts.annotate(locked_out=ExpressionWrapper(locked, output_field=BooleanField()))


def lift_lock_out(*, user, account):
    """Forget the failed logins of `account`, from every address, so that it may log in again at
    once; return how many records went."""
    _refuse_unless_manages(user, account)
    return reset(username=account.username)


def with_two_factor(accounts):
    """The logins, each with `has_two_factor`: whether a confirmed TOTP device asks for a code."""
    devices = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return accounts.annotate(has_two_factor=Exists(devices))


def turn_off_two_factor(*, user, account):
    """Remove the TOTP devices and recovery codes of `account` (its owner lost the phone and the
    codes): the next login asks for the password only, and the owner enrols a new device at
    /account/two-factor/ (at once, if their role requires one). Returns how many apps went."""
    _refuse_unless_manages(user, account)
    apps = TOTPDevice.objects.filter(user=account).count()
    twofactor.turn_off_two_factor(user=account)
    return apps
