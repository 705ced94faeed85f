"""The platform's e-mail: rendered and kept when queued, sent by the job worker through a real SMTP
server, retried with a growing delay while the server refuses, then failed with its answer; the
file backend of the embedded mode; and the Secretariat's list of mails in the back office."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from iisg.core.choices import Role
from iisg.core.errors import InvalidTransition, NotAllowed
from iisg.core.tests import factories as f
from iisg.workplace.choices import MailStatus
from iisg.workplace.mail import queue_mail, requeue, send_mail
from iisg.workplace.models import Mail

pytestmark = pytest.mark.django_db

LINK = "https://iisg.example.org/account/password-reset/MQ/abc/"


@pytest.fixture
def someone():
    return f.UserFactory(username="ana", first_name="R&D <Unit>", last_name="Smith", email="ana@example.org")


def queued(django_capture_on_commit_callbacks, user, **context):
    """A password-reset mail for `user`, queued and its job enqueued as once the request commits."""
    with django_capture_on_commit_callbacks(execute=True):
        return queue_mail(
            to=user.email,
            template="password_reset",
            context={"user": user, "link": LINK, "valid_for": "3 days", **context},
            recipient=user,
        )


def jobs():
    return DBTaskResult.objects.filter(task_path=send_mail.module_path).order_by("enqueued_at")


def delivered(django_capture_on_commit_callbacks, deliver_queued_mail):
    """Run the due mail jobs as the worker does; a retry they queue is enqueued as once committed."""
    with django_capture_on_commit_callbacks(execute=True):
        return deliver_queued_mail()


# Queuing


def test_a_queued_mail_is_kept_rendered_and_sent_only_once_the_transaction_commits(
    someone, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        mail = queue_mail(
            to="ana@example.org", template="password_reset", context={"user": someone, "link": LINK}, recipient=someone
        )
        assert not jobs().exists(), "nothing is enqueued before the transaction commits"
    assert len(callbacks) == 1

    mail.refresh_from_db()
    assert (mail.status, mail.attempts, mail.to, mail.recipient) == (MailStatus.QUEUED, 0, "ana@example.org", someone)
    assert mail.subject == "Choose a new password for the IISG Platform"
    assert LINK in mail.text
    assert f'href="{LINK}"' in mail.html


def test_the_text_is_written_as_typed_and_the_html_escaped(someone, django_capture_on_commit_callbacks):
    mail = queued(django_capture_on_commit_callbacks, someone)

    assert "Dear R&D <Unit> Smith," in mail.text
    assert "R&amp;D &lt;Unit&gt; Smith" in mail.html
    assert "<Unit>" not in mail.html


# Sending through a real SMTP server


def test_the_worker_sends_a_queued_mail_as_text_with_an_html_alternative(
    someone, smtp_server, deliver_queued_mail, django_capture_on_commit_callbacks
):
    mail = queued(django_capture_on_commit_callbacks, someone)

    assert delivered(django_capture_on_commit_callbacks, deliver_queued_mail) == 1

    [received] = smtp_server.wait_for(1)
    assert received.recipients == ("ana@example.org",)
    assert received.subject == "Choose a new password for the IISG Platform"
    assert received.from_ == settings.DEFAULT_FROM_EMAIL
    assert received.message["Auto-Submitted"] == "auto-generated"
    assert received.message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in received.message.iter_parts()] == ["text/plain", "text/html"]
    assert "Dear R&D <Unit> Smith," in received.text
    assert LINK in received.text
    assert f'<a href="{LINK}">' in received.html
    mail.refresh_from_db()
    assert (mail.status, mail.attempts, mail.error) == (MailStatus.SENT, 1, "")
    assert mail.sent_at is not None
    assert jobs().get().status == "SUCCESSFUL"


def test_a_sent_mail_is_not_sent_twice(someone, smtp_server, django_capture_on_commit_callbacks):
    mail = queued(django_capture_on_commit_callbacks, someone)

    assert send_mail.call(mail.pk) == MailStatus.SENT
    assert send_mail.call(mail.pk) is None

    smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1


@pytest.mark.parametrize("answer", ["451 4.3.0 Try again later", "550 5.1.1 Mailbox unavailable"])
def test_a_refused_mail_is_tried_again_later_and_later_then_failed_with_the_servers_answer(
    someone, answer, settings, smtp_server, deliver_queued_mail, django_capture_on_commit_callbacks
):
    settings.MAIL_ATTEMPTS = 3
    settings.MAIL_RETRY_SECONDS = 60
    smtp_server.refuse(answer)
    mail = queued(django_capture_on_commit_callbacks, someone)

    delays = []
    for _attempt in range(3):
        started = timezone.now()
        assert delivered(django_capture_on_commit_callbacks, deliver_queued_mail) == 1
        assert delivered(django_capture_on_commit_callbacks, deliver_queued_mail) == 0, "the retry waits"
        retry = jobs().filter(status="READY").first()
        if retry is not None:
            delays.append(retry.run_after - started)
            # Time passes: the retry is due.
            DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())

    assert [round(delay.total_seconds() / 60) for delay in delays] == [1, 2], "60 s, then twice as long"
    mail.refresh_from_db()
    assert (mail.status, mail.attempts, mail.sent_at) == (MailStatus.FAILED, 3, None)
    assert answer.split(" ", 1)[0] in mail.error
    assert answer.rsplit(" ", 2)[-2] in mail.error
    assert smtp_server.refused == 3
    assert smtp_server.messages == []
    assert set(jobs().values_list("status", flat=True)) == {"SUCCESSFUL"}, "a refusal never fails the job"


def test_a_mail_refused_once_goes_out_at_the_next_attempt(
    someone, settings, smtp_server, deliver_queued_mail, django_capture_on_commit_callbacks
):
    settings.MAIL_RETRY_SECONDS = 0
    smtp_server.refuse()
    mail = queued(django_capture_on_commit_callbacks, someone)
    assert send_mail.call(mail.pk) == MailStatus.QUEUED
    smtp_server.accept()

    mail.refresh_from_db()
    assert "451" in mail.error
    assert send_mail.call(mail.pk) == MailStatus.SENT

    smtp_server.wait_for(1)
    mail.refresh_from_db()
    assert (mail.status, mail.attempts, mail.error) == (MailStatus.SENT, 2, "")


def test_a_mail_server_that_does_not_answer_is_a_refusal_like_any_other(
    someone, settings, django_capture_on_commit_callbacks
):
    from iisg.workplace.tests.smtp import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    mail = queued(django_capture_on_commit_callbacks, someone)

    assert send_mail.call(mail.pk) == MailStatus.QUEUED

    mail.refresh_from_db()
    assert mail.error.startswith("ConnectionRefusedError")
    assert mail.attempts == 1


# The embedded mode: no mail server, mail written to files


def test_without_a_mail_server_the_file_backend_writes_each_mail_in_the_mail_folder(
    someone, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    mail = queued(django_capture_on_commit_callbacks, someone)

    assert send_mail.call(mail.pk) == MailStatus.SENT

    [written] = (tmp_path / "mail").iterdir()
    content = written.read_text()
    assert "Subject: Choose a new password for the IISG Platform" in content
    assert "To: ana@example.org" in content
    assert "Content-Type: text/plain" in content
    assert "Content-Type: text/html" in content


def mail_settings(tmp_path, **env):
    """The mail settings as a fresh process reads them from the environment."""
    probe = (
        "import json; from django.conf import settings as s; print(json.dumps({name: str(getattr(s, name, '')) "
        "for name in ['EMAIL_BACKEND', 'EMAIL_FILE_PATH', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_USE_TLS', "
        "'DEFAULT_FROM_EMAIL', 'MAIL_ATTEMPTS', 'MAIL_RETRY_SECONDS']}))"
    )
    names = {"EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "DEFAULT_FROM_EMAIL", "IISG_MODE", "DATABASE_URL"}
    clean = {name: value for name, value in os.environ.items() if name not in names}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=settings.BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "iisg.settings", "IISG_VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_the_embedded_mode_writes_mail_under_var_mail_unless_a_mail_server_is_named(tmp_path):
    embedded = mail_settings(tmp_path)
    assert embedded["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert embedded["EMAIL_FILE_PATH"] == str(tmp_path / "mail")

    named = mail_settings(
        tmp_path,
        EMAIL_HOST="smtp.example.org",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="true",
        DEFAULT_FROM_EMAIL="IISG <iisg@example.org>",
        MAIL_ATTEMPTS="7",
    )
    assert named["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (named["EMAIL_HOST"], named["EMAIL_PORT"], named["EMAIL_USE_TLS"]) == ("smtp.example.org", "587", "True")
    assert (named["DEFAULT_FROM_EMAIL"], named["MAIL_ATTEMPTS"]) == ("IISG <iisg@example.org>", "7")


# Sending a failed mail again


def failed(django_capture_on_commit_callbacks, user):
    mail = queued(django_capture_on_commit_callbacks, user)
    Mail.objects.filter(pk=mail.pk).update(status=MailStatus.FAILED, attempts=5, error="SMTPDataError: (451, 'later')")
    mail.refresh_from_db()
    return mail


def test_the_secretariat_sends_a_failed_mail_again_for_a_new_series_of_attempts(
    someone, django_capture_on_commit_callbacks
):
    mail = failed(django_capture_on_commit_callbacks, someone)
    secretariat = f.UserFactory(roles=[Role.SECRETARIAT])

    with django_capture_on_commit_callbacks(execute=True):
        requeue(mail=mail, user=secretariat)

    mail.refresh_from_db()
    assert (mail.status, mail.attempts) == (MailStatus.QUEUED, 0)
    assert "451" in mail.error, "the last error stays shown until a new attempt succeeds"
    assert jobs().count() == 2


def test_only_a_failed_mail_is_sent_again(someone, django_capture_on_commit_callbacks):
    mail = queued(django_capture_on_commit_callbacks, someone)

    with pytest.raises(InvalidTransition, match="only a failed mail is sent again"):
        requeue(mail=mail, user=f.UserFactory(roles=[Role.SECRETARIAT]))


@pytest.mark.parametrize("role", [Role.MEMBER, Role.FOCAL_POINT, Role.DONOR, Role.IMPLEMENTER])
def test_no_one_but_the_secretariat_sends_a_mail_again(someone, role, django_capture_on_commit_callbacks):
    mail = failed(django_capture_on_commit_callbacks, someone)

    with pytest.raises(NotAllowed):
        requeue(mail=mail, user=f.UserFactory(roles=[role]))

    mail.refresh_from_db()
    assert mail.status == MailStatus.FAILED
    assert jobs().count() == 1


# The back office


def test_the_secretariat_reads_the_list_of_mails_with_their_status(client, someone, django_capture_on_commit_callbacks):
    failed(django_capture_on_commit_callbacks, someone)
    client.force_login(f.UserFactory(roles=[Role.SECRETARIAT]))

    page = client.get(reverse("admin:workplace_mail_changelist"))

    assert page.status_code == 200
    assert "Choose a new password for the IISG Platform" in page.text
    assert "ana@example.org" in page.text
    assert "Failed" in page.text
    assert "Send the selected failed mails again" in page.text
    assert "Delete selected" not in page.text
    searched = client.get(reverse("admin:workplace_mail_changelist"), {"q": "nobody@example.org"})
    assert searched.context["cl"].result_count == 0


def test_a_mails_html_is_shown_in_a_sandboxed_frame_and_as_escaped_source(
    client, someone, django_capture_on_commit_callbacks
):
    mail = queued(django_capture_on_commit_callbacks, someone)
    Mail.objects.filter(pk=mail.pk).update(html='<p onclick="steal()">Hi</p><script>alert("x")</script>')
    client.force_login(f.UserFactory(roles=[Role.SECRETARIAT]))

    page = client.get(reverse("admin:workplace_mail_change", args=[mail.pk]))

    assert page.status_code == 200
    assert '<iframe class="mail-preview" sandbox="" srcdoc="&lt;p onclick=&quot;steal()&quot;&gt;Hi' in page.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page.text
    assert "<script>alert" not in page.text
    assert 'onclick="steal()"' not in page.text
    assert "Dear R&amp;D &lt;Unit&gt; Smith," in page.text, "the text, escaped on the page"
    assert 'name="_save"' not in page.text, "read, never changed"


def test_send_again_from_the_list_queues_the_failed_mail(client, someone, django_capture_on_commit_callbacks):
    mail = failed(django_capture_on_commit_callbacks, someone)
    client.force_login(f.UserFactory(roles=[Role.SECRETARIAT]))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:workplace_mail_changelist"),
            {"action": "send_again", "_selected_action": [mail.pk]},
            follow=True,
        )

    assert f"Queued again: {mail}." in response.text
    mail.refresh_from_db()
    assert mail.status == MailStatus.QUEUED
    assert jobs().count() == 2


@pytest.mark.parametrize("role", [Role.MEMBER, Role.FOCAL_POINT, Role.DONOR, Role.IMPLEMENTER])
def test_no_other_role_sees_the_mails(client, someone, role, django_capture_on_commit_callbacks):
    mail = failed(django_capture_on_commit_callbacks, someone)
    client.force_login(f.UserFactory(roles=[role]))

    sent_again = client.post(
        reverse("admin:workplace_mail_changelist"), {"action": "send_again", "_selected_action": [mail.pk]}
    )

    assert client.get(reverse("admin:workplace_mail_changelist")).status_code == 403
    assert client.get(reverse("admin:workplace_mail_change", args=[mail.pk])).status_code == 403
    assert sent_again.status_code == 403
    mail.refresh_from_db()
    assert mail.status == MailStatus.FAILED
    index = client.get(reverse("admin:index"))
    assert reverse("admin:workplace_mail_changelist") not in index.text
