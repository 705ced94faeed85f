"""Managing logins, as the Secretariat does it from the list of logins: who may manage a login,
who is locked out now, lifting a lock-out, and turning off a second factor whose phone is lost
(instead of asking a superuser).

A username is locked out from an address after AXES_FAILURE_LIMIT wrong passwords from it, until
AXES_COOLOFF_TIME has passed since the last of them (django-axes).
"""

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

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


def locking_attempts():
    """The failed-login records that lock a username out at this moment."""
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
    )


def with_lock_out(accounts):
    """The logins, each with `locked_out`: whether its username is locked out from some address now."""
    return accounts.annotate(locked_out=Exists(locking_attempts().filter(username=OuterRef("username"))))


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
    """Remove the TOTP devices of `account` (its owner lost the phone): the next login asks for the
    password only, and the owner enrols a new device at /account/two-factor/. Returns how many went."""
    _refuse_unless_manages(user, account)
    removed, _by_model = TOTPDevice.objects.filter(user=account).delete()
    return removed
