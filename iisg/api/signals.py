"""A token is worth what vouched for it when it was issued: the password, the second factor, an
active account. When one of them changes, every token of that login stops working, and the owner
issues new ones with the new credentials."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save, pre_save
from django_otp.models import Device

from .choices import Revocation
from .services import revoke_all_tokens


def revoke_on_password_change_or_deactivation(sender, instance, created, raw=False, **kwargs):
    if created or raw:
        return
    # set_password() keeps the new password in `_password` until save() has passed it to the
    # password validators (Django's own "password changed" hook); the rehash of an unchanged
    # password at login clears it before saving, so only a real change revokes.
    if getattr(instance, "_password", None) is not None:
        revoke_all_tokens(account=instance, reason=Revocation.PASSWORD)
    if not instance.is_active:
        revoke_all_tokens(account=instance, reason=Revocation.DEACTIVATED)


def note_confirmation_change(sender, instance, raw=False, **kwargs):
    # django-otp saves a device at each code checked (its counters, its throttling): only a change
    # of `confirmed` is an enrolment or a removal, and it is known only before the save.
    if raw:
        return
    was_confirmed = instance.pk is not None and sender._default_manager.filter(pk=instance.pk, confirmed=True).exists()
    instance._iisg_confirmation_changed = instance.confirmed != was_confirmed


def revoke_on_enrolment(sender, instance, raw=False, **kwargs):
    if getattr(instance, "_iisg_confirmation_changed", False):
        instance._iisg_confirmation_changed = False
        revoke_all_tokens(account=instance.user_id, reason=Revocation.TWO_FACTOR)


def revoke_on_removal(sender, instance, **kwargs):
    if instance.confirmed:
        revoke_all_tokens(account=instance.user_id, reason=Revocation.TWO_FACTOR)


def connect():
    """Wire the receivers (from ApiConfig.ready()): logins, and each kind of second-factor device
    installed (django-otp's TOTP today; static backup codes too, should they be installed)."""
    post_save.connect(
        revoke_on_password_change_or_deactivation, sender=get_user_model(), dispatch_uid="iisg.api.tokens.account"
    )
    for model in apps.get_models():
        if issubclass(model, Device):
            uid = f"iisg.api.tokens.{model._meta.label_lower}"
            pre_save.connect(note_confirmation_change, sender=model, dispatch_uid=uid)
            post_save.connect(revoke_on_enrolment, sender=model, dispatch_uid=uid)
            post_delete.connect(revoke_on_removal, sender=model, dispatch_uid=uid)
