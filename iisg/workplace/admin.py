"""The workplace in the back office."""

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from iisg.core.admin import AccountAdmin, RuleAdmin, ShownNotWritten, apply_to_each
from iisg.core.errors import WorkflowError

from . import accounts
from . import mail as mails
from .models import Mail

# E-mails ----------------------------------------------------------------------------------------


@admin.register(Mail)
class MailAdmin(ShownNotWritten, RuleAdmin):
    """Every e-mail the platform sent or is sending, read by the Secretariat (MailRule): where no
    mail server is configured, the embedded mode's mail is read here. A failed mail is sent again
    by the action, through iisg.workplace.mail.requeue; nothing else is changed or deleted here.

    The HTML is shown as a mail client shows it, in a sandboxed frame (no scripts, no forms, an
    origin of its own; the page's Content Security Policy still holds in it, so no image or style
    is fetched from elsewhere), and as its source, escaped."""

    list_display = ["subject", "to", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "created_at", "sent_at"]
    search_fields = ["to", "subject", "recipient__username"]
    date_hierarchy = "created_at"
    fieldsets = [
        (None, {"fields": ["to", "recipient", "subject", "status", "attempts", "error", "created_at", "sent_at"]}),
        (gettext_lazy("Text"), {"fields": ["text"]}),
        (gettext_lazy("HTML"), {"fields": ["html_preview", "html"], "classes": ["wide"]}),
    ]
    readonly_fields = [
        "to", "recipient", "subject", "status", "attempts", "error", "created_at", "sent_at", "text", "html_preview",
        "html",
    ]  # fmt: skip
    actions = ["send_again"]

    @admin.display(description=gettext_lazy("as shown"))
    def html_preview(self, mail):
        if not mail.html:
            return "—"
        # srcdoc holds the HTML as an attribute value: escaped here, read back as HTML by the browser.
        return format_html(
            '<iframe class="mail-preview" sandbox="" srcdoc="{}" title="{}" width="720" height="480"></iframe>',
            mail.html,
            _("The mail as its recipient sees it"),
        )

    @admin.action(description=gettext_lazy("Send the selected failed mails again"))
    def send_again(self, request, queryset):
        apply_to_each(
            self,
            request,
            queryset,
            lambda mail: mails.requeue(mail=mail, user=request.user),
            name=str,
            done=lambda mail: _("Queued again: %(mail)s.") % {"mail": mail},
            refused=WorkflowError,
        )


# Logins: a new one is invited to set its password -------------------------------------------------


class InvitingAccountAdmin(AccountAdmin):
    """core's list of logins, whose "Add login" also mails the new login a link to set its own
    password (iisg.workplace.accounts.invite). It takes the place of core's AccountAdmin here, in
    the layer that sends mail, as core imports no app above it."""

    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "email", "first_name", "last_name", "usable_password", "password1", "password2"],
                "description": gettext_lazy(
                    "A new login with an e-mail address is mailed a link to set its own password: choose "
                    "“Password-based authentication: Disabled” to leave the password to its owner."
                ),
            },
        )
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            self.invite(request, obj)

    def invite(self, request, account):
        try:
            mail = accounts.invite(user=account, by=request.user)
        except WorkflowError as refusal:
            self.message_user(
                request, _("No link to set a password was sent: %(reason)s") % {"reason": refusal}, messages.WARNING
            )
            return
        self.message_user(request, _("A link to set the password is on its way to %(address)s.") % {"address": mail.to})


admin.site.unregister(User)
admin.site.register(User, InvitingAccountAdmin)
