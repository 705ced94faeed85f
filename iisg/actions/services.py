"""The response mapping as business operations: donors and implementers create actions and propose
which needs they respond to; the Secretariat confirms or rejects each proposed response.

Like the needs services, each takes the acting `user`, asks iisg.core.permissions.can() itself,
runs in one transaction and raises an error of iisg.needs.errors when it refuses. Changes are
recorded in the history with the user and the comment.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from iisg.core.choices import Role, Verb
from iisg.core.permissions import can, viewer_of
from iisg.needs.choices import NeedStatus
from iisg.needs.errors import CommentRequired, DuplicateResponse, InvalidTransition, NotAllowed, WorkflowError

from .choices import ActionSource, ActivityStatus, Coverage, OrganisationRole, ResponseStatus
from .models import Action, ActionOrganisation, Response

# The role an organisation takes in an action its donor or implementer user creates.
PARTICIPATION_OF_ROLE = {Role.DONOR: OrganisationRole.FUNDING, Role.IMPLEMENTER: OrganisationRole.IMPLEMENTING}

# Needs nobody responds to: still with their partner, or rejected.
CLOSED_TO_RESPONSES = (NeedStatus.DRAFT, NeedStatus.RETURNED, NeedStatus.REJECTED)


def _record(obj, *, user, comment):
    obj._history_user = user
    obj._change_reason = comment or None
    obj.save()
    del obj._change_reason


def join_as_participant(*, user, action):
    """Make the organisation of a donor or implementer user take part in `action` (funding for a
    donor, implementing for an implementer), so the user can go on editing it. Nothing for a user
    without an organisation (the Secretariat); an existing participation is kept, not doubled."""
    viewer = viewer_of(user)
    if viewer.organisation_id is None:
        return
    for role, participation_role in PARTICIPATION_OF_ROLE.items():
        if role in viewer.roles:
            participation = ActionOrganisation.objects.filter(
                action=action, organisation_id=viewer.organisation_id, role=participation_role
            ).first()
            if participation is None:
                participation = ActionOrganisation(
                    action=action, organisation_id=viewer.organisation_id, role=participation_role
                )
                participation._history_user = user
                participation.save()


@transaction.atomic
def create_action(
    *,
    user,
    title,
    description="",
    partners=(),
    pillars=(),
    planned_start=None,
    planned_end=None,
    status=ActivityStatus.IMPLEMENTATION,
    default_currency="EUR",
    source=ActionSource.ENTERED,
    iati_identifier=None,
):
    """Create an action with its beneficiary partners and pillars; the organisation of a donor or
    implementer user takes part in it (see join_as_participant). Returns the action.

    Raises NotAllowed (neither the Secretariat nor a donor or implementer with an organisation),
    and django.core.exceptions.ValidationError for values the model refuses (a title too long, a
    planned end before the start, a currency that is not an ISO code).
    """
    action = Action(
        title=title,
        description=description,
        planned_start=planned_start,
        planned_end=planned_end,
        status=status,
        default_currency=default_currency,
        source=source,
        iati_identifier=iati_identifier or None,
    )
    if not can(user, Verb.ADD, action):
        raise NotAllowed(_("Only donors, implementers and the Secretariat create actions."))
    action.full_clean()
    _record(action, user=user, comment=_("Created"))
    action.partners.set(partners)
    action.pillars.set(pillars)
    join_as_participant(user=user, action=action)
    return action


@transaction.atomic
def propose_response(*, user, action, need, coverage=Coverage.PARTIAL, comment=""):
    """Propose that `action` responds to `need` (fully or partially), for the Secretariat to
    confirm. A donor or implementer of the action, or the Secretariat. Returns the response.

    Raises NotAllowed (not the user's action, or a need the user may not see), InvalidTransition
    (a need still with its partner, or rejected), DuplicateResponse (the action already responds
    to the need), WorkflowError (a coverage other than full or partial).
    """
    if coverage not in Coverage.values:
        raise WorkflowError(_("The coverage is full or partial."))
    response = Response(
        action=action, need=need, coverage=coverage, status=ResponseStatus.PROPOSED, proposed_by=user, comment=comment
    )
    if not can(user, Verb.ADD, response):
        raise NotAllowed(_("Only a donor or implementer of “%(action)s” proposes its responses.") % {"action": action})
    if not can(user, Verb.VIEW, need):
        raise NotAllowed(_("You may not see this need."))
    if need.status in CLOSED_TO_RESPONSES:
        raise InvalidTransition(
            _("%(reference)s is %(status)s: no response can be proposed to it.")
            % {"reference": need.reference, "status": need.get_status_display().lower()}
        )
    existing = Response.objects.filter(action=action, need=need).first()
    if existing is not None:
        raise DuplicateResponse(
            _("“%(action)s” already responds to %(reference)s (%(status)s).")
            % {"action": action, "reference": need.reference, "status": existing.get_status_display().lower()}
        )
    try:
        with transaction.atomic():
            _record(response, user=user, comment=comment or _("Proposed"))
    except IntegrityError:  # proposed at the same moment by someone else
        raise DuplicateResponse(
            _("“%(action)s” already responds to %(reference)s.") % {"action": action, "reference": need.reference}
        ) from None
    return response


def _decide(*, user, response, status, comment):
    response = Response.objects.select_for_update(of=("self",)).select_related("need", "action").get(pk=response.pk)
    if not can(user, Verb.REVIEW, response):
        raise NotAllowed(_("Only the Secretariat confirms or rejects responses."))
    if response.status == status:
        raise InvalidTransition(
            _("The response of “%(action)s” to %(reference)s is already %(status)s.")
            % {
                "action": response.action,
                "reference": response.need.reference,
                "status": response.get_status_display().lower(),
            }
        )
    response.status = status
    if status == ResponseStatus.CONFIRMED:
        response.confirmed_by = user
        response.confirmed_at = timezone.now()
    else:
        response.confirmed_by = None
        response.confirmed_at = None
    _record(response, user=user, comment=comment or ResponseStatus(status).label)
    return response


@transaction.atomic
def confirm_response(*, user, response, comment=""):
    """Confirm a proposed (or earlier rejected) response: it now counts in the analysis, with who
    confirmed it and when. Secretariat only (the review verb).
    Raises NotAllowed, InvalidTransition (already confirmed)."""
    return _decide(user=user, response=response, status=ResponseStatus.CONFIRMED, comment=comment.strip())


@transaction.atomic
def reject_response(*, user, response, comment):
    """Reject a proposed (or earlier confirmed) response, saying why; it no longer counts.
    Secretariat only (the review verb).
    Raises NotAllowed, CommentRequired, InvalidTransition (already rejected)."""
    comment = (comment or "").strip()
    if not comment and can(user, Verb.REVIEW, response):
        raise CommentRequired(_("Say why the response is rejected."))
    return _decide(user=user, response=response, status=ResponseStatus.REJECTED, comment=comment)
