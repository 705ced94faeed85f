from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from iisg.core.choices import Step

from .choices import Delivery, MailStatus


class Notification(models.Model):
    """One thing one user is told: shown under the bell until read, and mailed as they chose."""

    shown_on_public_pages = False  # iisg.core.pagecache

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notifications"
    )
    step = models.CharField(_("kind"), max_length=30, choices=Step.choices)
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    delivery = models.CharField(_("e-mail"), max_length=10, choices=Delivery.choices)
    mailed_at = models.DateTimeField(
        _("mailed"), null=True, blank=True, help_text=_("When it went out, at once or in a digest.")
    )
    # Names a notification that must go out once only (a deadline reminder per cycle and threshold),
    # so that a command run twice a day does not tell anyone twice.
    key = models.CharField(_("key"), max_length=100, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return self.title


class Preference(models.Model):
    """A user's choice of delivery for one kind of notification; without one, DEFAULT_DELIVERY."""

    shown_on_public_pages = False  # iisg.core.pagecache

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    step = models.CharField(_("kind"), max_length=30, choices=Step.choices)
    delivery = models.CharField(_("e-mail"), max_length=10, choices=Delivery.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "step"], name="preference_unique_step")]

    def __str__(self):
        return f"{self.user}: {self.get_step_display()} → {self.get_delivery_display()}"


class Mail(models.Model):
    """An e-mail the platform sends, kept: queued by a service, sent by the job worker, retried
    while the server refuses it, then failed with the server's answer."""

    shown_on_public_pages = False  # iisg.core.pagecache

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mails",
    )
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=MailStatus.choices, default=MailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")

    def __str__(self):
        return f"{self.subject} → {self.to}"


class Comment(models.Model):
    """A message in the conversation on a record (a need, a response): a review remark or a reply.
    The record's status changes join it in the thread (iisg.workplace.threads)."""

    shown_on_public_pages = False  # iisg.core.pagecache

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="comments"
    )
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("written"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [models.Index(fields=["content_type", "object_id"], name="comment_target")]

    def __str__(self):
        return self.text[:80]
