"""The platform's e-mail: rendered from a template pair (`<name>.txt` and `<name>.html`), kept as a
`Mail`, and sent by the job worker, never inside the request that asked for it.

A mail the server refuses is tried again MAIL_ATTEMPTS times in all, waiting longer each time
(MAIL_RETRY_SECONDS, doubled each attempt); then it is marked failed with the server's answer, for
the Secretariat to see in the back office, where "Send again" (`requeue`) starts another series.
Where no mail server is configured (the embedded mode's default), Django's file backend writes each
mail under var/mail/ and the Secretariat reads them in the back office the same way.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from iisg.core.choices import Verb
from iisg.core.errors import InvalidTransition, NotAllowed
from iisg.core.permissions import can

from .choices import MailStatus
from .models import Mail

logger = logging.getLogger(__name__)


# Marks the mail as sent by a machine (RFC 3834), so that out-of-office replies do not answer it.
HEADERS = {"Auto-Submitted": "auto-generated"}


def render_text(name, context):
    """Template `name` rendered without HTML escaping: a plain-text mail shows "R&D <unit>" as typed."""
    return get_template(name).template.render(Context(context, autoescape=False))


def render(template, context):
    """The subject, plain text and HTML of mail `template` (`workplace/mail/<template>`): the
    subject is the text template's first line."""
    text = render_text(f"workplace/mail/{template}.txt", context).strip()
    first_line, _newline, body = text.partition("\n")
    subject = first_line.strip()
    html = render_to_string(f"workplace/mail/{template}.html", context | {"subject": subject})
    return subject, body.strip() + "\n", html


def queue_mail(*, to, template, context, recipient=None):
    """Render mail `template` for address `to` (the user `recipient`, if any, whose language it
    is written in) and queue it: the job worker sends it once the current transaction commits.
    Answers the Mail."""
    language = getattr(recipient, "language", None) or settings.LANGUAGE_CODE
    with translation.override(language):
        subject, text, html = render(template, {"recipient": recipient, "site_url": settings.SITE_URL, **context})
    mail = Mail.objects.create(recipient=recipient, to=to, subject=subject[:300], text=text, html=html)
    transaction.on_commit(lambda: send_mail.enqueue(mail.pk))
    return mail


def deliver(mail):
    """Hand one mail to the configured backend; raises what the backend raises."""
    message = EmailMultiAlternatives(
        subject=mail.subject, body=mail.text, from_email=settings.DEFAULT_FROM_EMAIL, to=[mail.to], headers=HEADERS
    )
    if mail.html:
        message.attach_alternative(mail.html, "text/html")
    message.send()


@task()
def send_mail(mail_id):
    """Send queued Mail `mail_id`; on a refusal, queue another attempt later or, after the last,
    mark it failed. Answers the mail's status."""
    with transaction.atomic():
        mail = Mail.objects.select_for_update().filter(pk=mail_id, status=MailStatus.QUEUED).first()
        if mail is None:
            return None
        mail.attempts += 1
        try:
            deliver(mail)
        except Exception as error:
            logger.warning("Mail %s to %s not sent (attempt %s): %s", mail.pk, mail.to, mail.attempts, error)
            mail.error = f"{type(error).__name__}: {error}"[:1000]
            if mail.attempts >= settings.MAIL_ATTEMPTS:
                mail.status = MailStatus.FAILED
            else:
                delay = settings.MAIL_RETRY_SECONDS * 2 ** (mail.attempts - 1)
                run_after = timezone.now() + timedelta(seconds=delay)
                transaction.on_commit(lambda: send_mail.using(run_after=run_after).enqueue(mail.pk))
        else:
            mail.status = MailStatus.SENT
            mail.sent_at = timezone.now()
            mail.error = ""
        mail.save(update_fields=["attempts", "error", "status", "sent_at"])
        return mail.status


def requeue(*, mail, user):
    """Queue failed `mail` again ("Send again" in the back office): its text, to its address, for a
    new series of MAIL_ATTEMPTS attempts; the last error stays shown until one succeeds. Only whoever
    reads the mails (the Secretariat) may; a mail that has not failed is refused. Answers the Mail."""
    with transaction.atomic():
        # Reading the mails is the Secretariat's alone (iisg.workplace.rules.MailRule): sending one
        # again changes nothing in it but its delivery.
        if not can(user, Verb.VIEW, mail):
            raise NotAllowed(_("Only the Secretariat may send a mail again."))
        mail = Mail.objects.select_for_update().get(pk=mail.pk)
        if mail.status != MailStatus.FAILED:
            raise InvalidTransition(
                _("%(mail)s is %(status)s: only a failed mail is sent again.")
                % {"mail": mail, "status": mail.get_status_display().lower()}
            )
        mail.status = MailStatus.QUEUED
        mail.attempts = 0
        mail.save(update_fields=["status", "attempts"])
        transaction.on_commit(lambda: send_mail.enqueue(mail.pk))
    return mail
