"""Login lock-outs (django-axes) as the Secretariat manages them: who is locked out now, and
lifting a lock-out once the person has been reached (instead of asking a superuser to run
`manage.py axes_reset`).

A username is locked out from an address after AXES_FAILURE_LIMIT wrong passwords from it, until
AXES_COOLOFF_TIME has passed since the last of them.
"""

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import Verb
from .permissions import can


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
    once; return how many records went. Only who may change the login may do it."""
    if not can(user, Verb.CHANGE, account) or (account.is_superuser and not user.is_superuser):
        raise PermissionDenied(_("Only who manages the login %(username)s lifts its lock-out.") % {"username": account})
    return reset(username=account.username)
