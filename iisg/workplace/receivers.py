"""Who is told of each workflow step (iisg.core.events): one function per step, answering the
messages to send (iisg.workplace.notify.Message: whom, what, where); `step_done` turns them into
notifications and mail.

The texts are written in the site's language: a notification is stored as written, and the
platform speaks one language so far.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from iisg.actions.round import calls, users_of
from iisg.core.choices import Step
from iisg.core.jobs import JobStatus
from iisg.directory.models import KOSOVO_FOOTNOTE
from iisg.needs.choices import CycleKind, NeedStatus
from iisg.needs.selectors import partners_yet_to_submit

from . import recipients
from .notify import Message, notify, reminder_key

logger = logging.getLogger(__name__)

# At most this many references are listed in a notification; the link shows them all.
LISTED = 20


def step_done(sender, event, **kwargs):
    """Tell the people `event`'s step concerns. Runs after the step committed: a failure here is
    logged and told to nobody, and never undoes or breaks the step."""
    try:
        with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
            for message in MESSAGES[event.step](event):
                notify(step=event.step, message=message, actor=event.actor)
    except Exception:
        logger.exception("Could not tell anyone of %s on %r", event.step, event.target)


# Needs mapping


def cycle_opened(event):
    cycle = event.target
    lines = [_("The Secretariat opened the %(cycle)s.") % {"cycle": cycle}]
    if cycle.closes_on:
        lines.append(_("Submit your partner's needs by %(date)s.") % {"date": _date(cycle.closes_on)})
    lines.extend(_comment_lines(event))
    title = (
        _("%(cycle)s is open: submit your needs by %(date)s") % {"cycle": cycle, "date": _date(cycle.closes_on)}
        if cycle.closes_on
        else _("%(cycle)s is open: submit your needs") % {"cycle": cycle}
    )
    yield Message(recipients.focal_points(), title, _lines(lines), _needs_of(cycle))


def need_submitted(event):
    need = event.target
    title = _("%(reference)s submitted by %(partner)s") % {"reference": need.reference, "partner": _partner(need)}
    lines = [need.title, _by(event)]
    yield Message(recipients.secretariat(), title, _lines(lines, need.partner), _change_page(need))


def need_returned(event):
    need = event.target
    title = _("%(reference)s returned: please revise") % {"reference": need.reference}
    lines = [
        need.title,
        _("The Secretariat returned it to you for changes."),
        *_comment_lines(event),
        *_deadline_lines(need.cycle),
    ]
    yield Message(recipients.focal_points([need.partner_id]), title, _lines(lines, need.partner), _change_page(need))


def need_rejected(event):
    need = event.target
    title = _("%(reference)s rejected") % {"reference": need.reference}
    lines = [need.title, _("The Secretariat rejected it."), *_comment_lines(event)]
    yield Message(recipients.focal_points([need.partner_id]), title, _lines(lines, need.partner), _change_page(need))


def need_validated(event):
    need = event.target
    title = _("%(reference)s validated") % {"reference": need.reference}
    lines = [need.title, _("The Secretariat validated it."), *_comment_lines(event)]
    yield Message(recipients.focal_points([need.partner_id]), title, _lines(lines, need.partner), _change_page(need))


def needs_proposed(event):
    cycle = event.target
    references = list(event.details.get("references", []))
    count = event.details.get("count", len(references))
    title = ngettext(
        "%(count)s need of the %(cycle)s proposed for adoption",
        "%(count)s needs of the %(cycle)s proposed for adoption",
        count,
    ) % {"count": count, "cycle": cycle}
    lines = [_by(event), *_listed(references), *_comment_lines(event)]
    url = _needs_of(cycle, status=NeedStatus.PROPOSED)
    yield Message(_members_and_secretariat(), title, _lines(lines), url)


def cycle_adopted(event):
    cycle = event.target
    title = _("%(cycle)s adopted") % {"cycle": cycle}
    decision = event.details.get("decision")
    lines = [_("Adopted by %(decision)s.") % {"decision": decision} if decision else _by(event)]
    lines.extend(_comment_lines(event))
    called = recipients.focal_points() if cycle.kind == CycleKind.NEEDS else recipients.action_writers()
    yield Message(_members_and_secretariat() | called, title, _lines(lines), _change_page(cycle))


def deadline_near(event):
    """The focal points of the partners that have not submitted yet; sent by `send_reminders`,
    once per cycle and threshold (`days`)."""
    cycle = event.target
    days_left = (cycle.closes_on - event.details.get("today", timezone.localdate())).days
    if days_left > 0:
        title = ngettext(
            "%(cycle)s closes in %(days)s day: submit your needs by %(date)s",
            "%(cycle)s closes in %(days)s days: submit your needs by %(date)s",
            days_left,
        ) % {"cycle": cycle, "days": days_left, "date": _date(cycle.closes_on)}
    else:
        title = _("%(cycle)s closes today: submit your needs") % {"cycle": cycle}
    lines = [
        _("Your partner has not submitted needs yet."),
        _("Submit them by %(date)s; the Secretariat reviews them afterwards.") % {"date": _date(cycle.closes_on)},
    ]
    partners = list(partners_yet_to_submit(cycle))
    yield Message(
        recipients.focal_points(partners),
        title,
        _lines(lines, *partners),
        _needs_of(cycle),
        key=reminder_key(cycle, event.details["days"]),
    )


# Response mapping


def round_opened(event):
    """Each donor and implementer user called gets the call: their organisation's actions active in
    the round's year, to confirm or update by the deadline."""
    cycle = event.target
    for organisation, actions in calls(cycle).items():
        title = (
            _("%(cycle)s: confirm or update your actions by %(date)s")
            % {"cycle": cycle, "date": _date(cycle.closes_on)}
            if cycle.closes_on
            else _("%(cycle)s: confirm or update your actions") % {"cycle": cycle}
        )
        lines = [
            ngettext(
                "%(organisation)s has %(count)s action active in %(year)s:",
                "%(organisation)s has %(count)s actions active in %(year)s:",
                len(actions),
            )
            % {"organisation": organisation, "count": len(actions), "year": cycle.first_year},
            *(f"- {action.title}" for action in actions[:LISTED]),
            *_more(len(actions)),
            _("Confirm each one unchanged, or update it."),
            *_deadline_lines(cycle),
            *_comment_lines(event),
        ]
        yield Message(users_of(organisation), title, _lines(lines), _call_page(cycle))


def response_proposed(event):
    response = event.target
    need = response.need
    title = _("Response proposed for %(reference)s") % {"reference": need.reference}
    lines = [
        _("Action: %(action)s") % {"action": response.action},
        _("Need: %(need)s") % {"need": need},
        _by(event),
        *_comment_lines(event),
    ]
    yield Message(recipients.secretariat(), title, _lines(lines, need.partner), _change_page(response))


def response_confirmed(event):
    yield _response_decided(event, _("Response to %(reference)s confirmed"), _("The Secretariat confirmed it."))


def response_rejected(event):
    yield _response_decided(event, _("Response to %(reference)s rejected"), _("The Secretariat rejected it."))


def _response_decided(event, title, decided):
    response = event.target
    need = response.need
    lines = [
        _("Action: %(action)s") % {"action": response.action},
        _("Need: %(need)s") % {"need": need},
        decided,
        *_comment_lines(event),
    ]
    return Message(
        recipients.response_parties(response),
        title % {"reference": need.reference},
        _lines(lines, need.partner),
        _change_page(response),
    )


# The conversation


def commented(event):
    """The other participants of the thread: for a need its focal points and the Secretariat, for a
    response its action's organisations and the Secretariat (the author is the actor: not told)."""
    target = event.target
    if target._meta.label_lower == "needs.need":
        partner = target.partner
        about = target.reference
        participants = recipients.focal_points([target.partner_id]) | recipients.secretariat()
    else:
        partner = target.need.partner
        about = _("the response of “%(action)s” to %(reference)s") % {
            "action": target.action,
            "reference": target.need.reference,
        }
        participants = recipients.response_parties(target) | recipients.secretariat()
    title = _("New comment on %(about)s") % {"about": about}
    lines = [_by(event), *_comment_lines(event)]
    yield Message(participants, title, _lines(lines, partner), _change_page(target))


# Background runs


def run_finished(event):
    """Whoever started the run (an IATI import, a report, a run of the matcher, a workbook upload)."""
    job = event.target
    starter = getattr(job, "created_by_id", None) or getattr(job, "requested_by_id", None)
    what = capfirst(job._meta.verbose_name)
    if job.status == JobStatus.DONE:
        title = _("%(what)s finished") % {"what": what}
    elif job.status == JobStatus.FAILED:
        title = _("%(what)s failed") % {"what": what}
    else:
        title = _("%(what)s ended: %(status)s") % {"what": what, "status": job.get_status_display().lower()}
    lines = [str(job), *([job.error] if job.error else [])]
    yield Message(recipients.users([starter]), title, _lines(lines), _change_page(job))


MESSAGES = {
    Step.CYCLE_OPENED: cycle_opened,
    Step.NEED_SUBMITTED: need_submitted,
    Step.NEED_RETURNED: need_returned,
    Step.NEED_REJECTED: need_rejected,
    Step.NEED_VALIDATED: need_validated,
    Step.NEEDS_PROPOSED: needs_proposed,
    Step.CYCLE_ADOPTED: cycle_adopted,
    Step.DEADLINE_NEAR: deadline_near,
    Step.ROUND_OPENED: round_opened,
    Step.RESPONSE_PROPOSED: response_proposed,
    Step.RESPONSE_CONFIRMED: response_confirmed,
    Step.RESPONSE_REJECTED: response_rejected,
    Step.COMMENTED: commented,
    Step.RUN_FINISHED: run_finished,
}


# The pieces of the texts


def _members_and_secretariat():
    return recipients.members() | recipients.secretariat()


def _lines(lines, *partners):
    """The body: its lines, then the designation footnote when a partner named carries it."""
    if any(partner is not None and partner.has_designation_footnote for partner in partners):
        lines = [*lines, "", str(KOSOVO_FOOTNOTE)]
    return "\n".join(str(line) for line in lines if line is not None)


def _comment_lines(event):
    return ["", _("Comment:"), event.comment] if event.comment else []


def _deadline_lines(cycle):
    if not cycle.closes_on:
        return []
    return [_("Deadline: %(date)s.") % {"date": _date(cycle.closes_on)}]


def _listed(references):
    return [", ".join(references[:LISTED]), *_more(len(references))] if references else []


def _more(count):
    return [_("… and %(count)s more.") % {"count": count - LISTED}] if count > LISTED else []


def _by(event):
    actor = event.actor
    if actor is None:
        return None
    return _("By %(name)s.") % {"name": actor.get_full_name() or actor.get_username()}


def _partner(need):
    return need.partner.display_name if need.partner_id else _("Regional")


def _date(day):
    return formats.date_format(day, "j F Y")


def _change_page(obj):
    """The back-office page of `obj`; empty when its model has none."""
    try:
        return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return ""


def _needs_of(cycle, **filters):
    query = {"cycle__id__exact": cycle.pk} | {f"{name}__exact": value for name, value in filters.items()}
    return f"{reverse('admin:needs_need_changelist')}?{urlencode(query)}"


def _call_page(cycle):
    return reverse("admin:actions_action_round", args=[cycle.pk])
