"""The IATI identifiers the platform gives the actions entered here.

An IATI activity identifier is the publisher's organisation identifier, a hyphen and the publisher's
own key for the activity. Actions entered in the platform have no publisher but the platform itself
(the IISG Secretariat, settings.IATI_PUBLISHER_REF), and the action's number is its key: stable for
as long as the action lives, never reused by the database.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from iisg.core.history import record_changed

from .models import Action

# How many actions one bulk update writes.
BATCH_SIZE = 500


def platform_identifier(action):
    """`<IATI_PUBLISHER_REF>-<action id>` for a saved action; None while the setting is empty (the
    platform is no IATI publisher) or the action has no id yet."""
    if not settings.IATI_PUBLISHER_REF or action.pk is None:
        return None
    return f"{settings.IATI_PUBLISHER_REF}-{action.pk}"


def platform_identifiers_in_use():
    """The identifiers under the platform's prefix that actions already hold (assigned, typed in or
    imported back from a file the platform, or another one with the same setting, exported): an
    action without an identifier cannot take one of these. Empty while IATI_PUBLISHER_REF is."""
    if not settings.IATI_PUBLISHER_REF:
        return set()
    held = Action.objects.filter(iati_identifier__startswith=f"{settings.IATI_PUBLISHER_REF}-")
    return set(held.values_list("iati_identifier", flat=True))


@dataclass
class Assignment:
    """What assign_platform_identifiers() did: how many actions it gave an identifier, and the
    actions it could not give one, with the reason (action id, title, reason)."""

    assigned: int = 0
    not_assigned: list = field(default_factory=list)


@transaction.atomic
def assign_platform_identifiers(*, user=None):
    """Give every action without an IATI identifier its platform_identifier(), in bulk and in one
    transaction: each one's version goes up (a form opened before conflicts) and its history row
    names `user` (None: a command) and the reason. Actions that already have an identifier are left
    as they are, so a second run assigns nothing. An action whose identifier another action already
    holds keeps none and is listed; while IATI_PUBLISHER_REF is empty, every action without an
    identifier is, with a reason naming the setting. Returns an Assignment."""
    outcome = Assignment()
    pending = Action.objects.filter(iati_identifier__isnull=True).order_by("pk")
    if not settings.IATI_PUBLISHER_REF:
        reason = _("the setting IATI_PUBLISHER_REF (the IISG Secretariat's IATI organisation identifier) is empty")
        outcome.not_assigned = [(pk, title, reason) for pk, title in pending.values_list("pk", "title")]
        return outcome
    in_use = platform_identifiers_in_use()
    ids = list(pending.values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH_SIZE):
        assigned = []
        for action in Action.objects.filter(pk__in=ids[start : start + BATCH_SIZE]).order_by("pk"):
            identifier = platform_identifier(action)
            if identifier in in_use:
                outcome.not_assigned.append(
                    (
                        action.pk,
                        action.title,
                        _("another action already holds %(identifier)s") % {"identifier": identifier},
                    )
                )
                continue
            action.iati_identifier = identifier
            assigned.append(action)
        record_changed(Action, assigned, ["iati_identifier"], user=user, reason=_("IATI identifier assigned"))
        outcome.assigned += len(assigned)
    return outcome
